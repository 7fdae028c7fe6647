package io.nkd.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ClusterSpec;
import io.nkd.config.ConfigLoader;
import io.nkd.config.HousekeeperSettings;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.Snapshot;
import io.nkd.config.UpgradePolicy.MaintenanceWindow;
import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Maintenance windows, the one-target override and the desired Update: pure, the time is an argument. */
class UpgradeGateTest {
    private static final String FILE = "clusters/sandbox-demo/cluster.yaml";
    /** What the example's catalog pins for nestos-24.09-k8s-1.31, the demo cluster's image. */
    private static final String DIGEST = "sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
    private static final String IMAGE = "hub.oepkgs.net/nestos/nestos@" + DIGEST;
    private static final String REPINNED = "hub.oepkgs.net/nestos/nestos@sha256:" + "7".repeat(64);

    private static RepositoryConfig config(UnaryOperator<String> edit) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put(FILE, edit.apply(base.text(FILE).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        return ConfigLoader.load(new Snapshot("a".repeat(40), files));
    }

    private static ClusterSpec spec(UnaryOperator<String> edit) {
        var loaded = config(edit).cluster("sandbox-demo").orElseThrow();
        assertTrue(loaded.valid(), loaded.report()::toString);
        return loaded.spec();
    }

    @Test
    void aWindowIsOpenFromEachFireTimeForItsDuration() {
        List<MaintenanceWindow> sat = List.of(new MaintenanceWindow("0 0 1 ? * SAT", Duration.ofHours(4), "Europe/Berlin"));
        // Saturday 2026-12-05 01:00 in Berlin is 00:00 UTC (CET, +01:00)
        var before = MaintenanceWindows.at(sat, Instant.parse("2026-12-04T23:59:59Z"));
        assertFalse(before.open());
        assertEquals(Instant.parse("2026-12-05T00:00:00Z"), before.opensAt());
        var start = MaintenanceWindows.at(sat, Instant.parse("2026-12-05T00:00:00Z"));
        assertTrue(start.open(), "the fire time itself is inside");
        assertEquals(Instant.parse("2026-12-05T04:00:00Z"), start.closesAt());
        assertTrue(MaintenanceWindows.at(sat, Instant.parse("2026-12-05T03:59:59Z")).open());
        var after = MaintenanceWindows.at(sat, Instant.parse("2026-12-05T04:00:00Z"));
        assertFalse(after.open(), "the end is outside");
        assertEquals(Instant.parse("2026-12-12T00:00:00Z"), after.opensAt(), "next Saturday");
        // summer time: 01:00 in Berlin is 23:00 UTC the day before
        assertTrue(MaintenanceWindows.at(sat, Instant.parse("2026-06-05T23:30:00Z")).open());
    }

    @Test
    void overlappingWindowsCloseWithTheLastOne() {
        List<MaintenanceWindow> w = List.of(new MaintenanceWindow("0 0 2 * * ?", Duration.ofHours(2), "UTC"),
                new MaintenanceWindow("0 0 3 * * ?", Duration.ofHours(3), "UTC"));
        var s = MaintenanceWindows.at(w, Instant.parse("2026-12-05T03:30:00Z"));
        assertTrue(s.open());
        assertEquals(Instant.parse("2026-12-05T06:00:00Z"), s.closesAt());
    }

    @Test
    void aScheduleThatNeverFiresAgainHasNoOpening() {
        var w = List.of(new MaintenanceWindow("0 0 2 1 1 ? 2020", Duration.ofHours(1), "UTC"));
        var s = MaintenanceWindows.at(w, Instant.parse("2026-12-05T00:00:00Z"));
        assertFalse(s.open());
        assertNull(s.opensAt());
    }

    @Test
    void theGateOpensInsideAWindowAndWithAnOverrideForExactlyTheChangedTarget() {
        UnaryOperator<String> window = t -> t.replace("  upgrade:\n",
                "  upgrade:\n    maintenanceWindows:\n      - {schedule: \"0 0 2 ? * SUN\", duration: 4h}\n");
        Instant saturday = Instant.parse("2026-12-05T12:00:00Z");
        var later = assertInstanceOf(UpgradeGate.Decision.Later.class, UpgradeGate.decide(spec(window), IMAGE, true, false, saturday));
        assertEquals(Instant.parse("2026-12-06T02:00:00Z"), later.opensAt());
        assertInstanceOf(UpgradeGate.Decision.Now.class, UpgradeGate.decide(spec(window), IMAGE, true, false, Instant.parse("2026-12-06T05:59:59Z")));
        assertInstanceOf(UpgradeGate.Decision.Now.class, UpgradeGate.decide(spec(t -> t), IMAGE, true, true, saturday), "no windows: any time");

        ClusterSpec overridden = spec(t -> window.apply(t).replace("  upgrade:\n",
                "  upgrade:\n    windowOverride: {osImage: nestos-24.09-k8s-1.31, osImageDigest: " + DIGEST + ", reason: CVE}\n"));
        assertEquals("spec.upgrade.windowOverride: CVE", UpgradeGate.decide(overridden, IMAGE, true, false, saturday).why());
        assertInstanceOf(UpgradeGate.Decision.Later.class, UpgradeGate.decide(overridden, IMAGE, true, true, saturday),
                "it names the image only: a Kubernetes change in the same step waits");
        assertInstanceOf(UpgradeGate.Decision.Later.class, UpgradeGate.decide(overridden, IMAGE, false, true, saturday));
        ClusterSpec stale = spec(t -> window.apply(t).replace("  upgrade:\n",
                "  upgrade:\n    windowOverride: {osImage: nestos-24.03-k8s-1.30, osImageDigest: " + DIGEST + ", reason: old}\n"));
        assertInstanceOf(UpgradeGate.Decision.Later.class, UpgradeGate.decide(stale, IMAGE, true, false, saturday), "another target: no effect");
    }

    @Test
    void anOverrideHoldsOnlyForTheDigestItWasReviewedForNotForALaterRepinOfItsCatalogEntry() {
        UnaryOperator<String> window = t -> t.replace("  upgrade:\n",
                "  upgrade:\n    maintenanceWindows:\n      - {schedule: \"0 0 2 ? * SUN\", duration: 4h}\n");
        Instant saturday = Instant.parse("2026-12-05T12:00:00Z");
        ClusterSpec overridden = spec(t -> window.apply(t).replace("  upgrade:\n",
                "  upgrade:\n    windowOverride: {osImage: nestos-24.09-k8s-1.31, osImageDigest: " + DIGEST + ", reason: CVE}\n"));
        assertInstanceOf(UpgradeGate.Decision.Now.class, UpgradeGate.decide(overridden, IMAGE, true, false, saturday));
        // images/ re-pins nestos-24.09-k8s-1.31; the override in cluster.yaml is unchanged
        var later = assertInstanceOf(UpgradeGate.Decision.Later.class, UpgradeGate.decide(overridden, REPINNED, true, false, saturday));
        assertEquals(Instant.parse("2026-12-06T02:00:00Z"), later.opensAt());
        assertTrue(later.why().contains("it was reviewed for nestos-24.09-k8s-1.31 at " + DIGEST + ", but the target is " + REPINNED)
                && later.why().contains("set windowOverride.osImageDigest: sha256:" + "7".repeat(64) + " to start it now"), later.why());
        assertFalse(UpgradeGate.overrides(overridden, REPINNED, true, false));
        // an os.osImageURL carries its digest: the override names it whole
        ClusterSpec byUrl = spec(t -> window.apply(t).replace("image: nestos-24.09-k8s-1.31", "osImageURL: " + IMAGE)
                .replace("  upgrade:\n", "  upgrade:\n    windowOverride: {osImage: \"" + IMAGE + "\", reason: CVE}\n"));
        assertTrue(UpgradeGate.overrides(byUrl, IMAGE, true, false));
    }

    @Test
    void anOverrideForACatalogEntryMustNameTheDigestAndAStaleDigestIsAWarningAtItsLine() {
        var bare = config(t -> t.replace("  upgrade:\n", "  upgrade:\n    windowOverride: {osImage: nestos-24.09-k8s-1.31, reason: CVE}\n"))
                .cluster("sandbox-demo").orElseThrow();
        assertFalse(bare.valid());
        var error = bare.report().entries().stream().filter(e -> "BadWindowOverride".equals(e.code())).findFirst().orElseThrow();
        assertTrue(error.toString().startsWith("clusters/sandbox-demo/cluster.yaml:30:")
                && error.toString().contains("add osImageDigest: " + DIGEST + " (what nestos-24.09-k8s-1.31 pins in images/ now"), error.toString());
        var repinned = config(t -> t.replace("  upgrade:\n", "  upgrade:\n    windowOverride:\n      osImage: nestos-24.09-k8s-1.31\n"
                + "      osImageDigest: sha256:" + "7".repeat(64) + "\n      reason: CVE\n")).cluster("sandbox-demo").orElseThrow();
        assertTrue(repinned.valid(), repinned.report()::toString);
        var warning = repinned.report().entries().stream().filter(e -> "StaleWindowOverride".equals(e.code())).findFirst().orElseThrow();
        assertTrue(warning.toString().startsWith("clusters/sandbox-demo/cluster.yaml:32:")
                && warning.toString().contains("has no effect") && warning.toString().contains("set osImageDigest: " + DIGEST), warning.toString());
        var malformed = config(t -> t.replace("  upgrade:\n", "  upgrade:\n    windowOverride: {osImage: nestos-24.09-k8s-1.31, "
                + "osImageDigest: \"9c1e7a5b\", reason: CVE}\n")).cluster("sandbox-demo").orElseThrow();
        assertFalse(malformed.valid());
    }

    @Test
    void aStaleOverrideIsAWarningWithItsLineAndAnEmptyOneAnError() {
        var stale = config(t -> t.replace("  upgrade:\n", "  upgrade:\n    windowOverride: {osImage: nestos-24.03-k8s-1.30, osImageDigest: " + DIGEST + ", reason: old}\n"))
                .cluster("sandbox-demo").orElseThrow();
        assertTrue(stale.valid());
        var warning = stale.report().entries().stream().filter(e -> "StaleWindowOverride".equals(e.code())).findFirst().orElseThrow();
        assertTrue(warning.toString().startsWith("clusters/sandbox-demo/cluster.yaml:30:") && warning.toString().contains("has no effect"),
                warning.toString());
        var empty = config(t -> t.replace("  upgrade:\n", "  upgrade:\n    windowOverride: {reason: why}\n")).cluster("sandbox-demo").orElseThrow();
        assertFalse(empty.valid());
        assertTrue(empty.report().entries().stream().anyMatch(e -> "BadWindowOverride".equals(e.code())), empty.report().toString());
    }

    @Test
    void theDesiredUpdatePinsTheCatalogImageAndCarriesThePolicy() {
        RepositoryConfig config = config(t -> t.replace("  upgrade:\n    maxUnavailable: 1\n",
                "  upgrade:\n    maxUnavailable: 2\n    evictPodForce: true\n    drainTimeout: 90m\n    paused: true\n"));
        ClusterSpec spec = config.cluster("sandbox-demo").orElseThrow().spec();
        UpdateSpec u = DesiredUpdate.of(spec, config.images(), "f".repeat(40));
        assertEquals(config.images().get("nestos-24.09-k8s-1.31").osImageURL(), u.osImageURL());
        assertTrue(u.osImageURL().contains("@sha256:"), "pinned by digest");
        assertEquals("v1.31.4", u.kubeVersion());
        assertEquals(2, u.maxUnavailable());
        assertEquals(true, u.evictPodForce());
        assertEquals("1h30m", u.drainTimeout());
        assertEquals(true, u.paused());
        assertEquals("f".repeat(40), u.revision());
        UpdateSpec upstream = DesiredUpdate.asWritten(u, HousekeeperSettings.Flavor.NESTOS);
        assertEquals(UpdateSpec.upstream(u.osImageURL(), "v1.31.4", true, 2), upstream);
        assertTrue(DesiredUpdate.equivalent(DesiredUpdate.of(spec, config.images(), "0".repeat(40)), u),
                "another commit with the same spec does not rewrite the Update");
        assertFalse(DesiredUpdate.equivalent(upstream, u), "a flavor switch is a change");
    }

    @Test
    void anImageWithoutADigestIsRefusedAtValidation() {
        var loaded = config(t -> t.replace("    image: nestos-24.09-k8s-1.31\n", "    osImageURL: hub.oepkgs.net/nestos/nestos:24.09\n"))
                .cluster("sandbox-demo").orElseThrow();
        assertFalse(loaded.valid());
        var error = loaded.report().entries().stream().filter(e -> "ImageNotPinned".equals(e.code())).findFirst().orElseThrow();
        assertTrue(error.toString().startsWith("clusters/sandbox-demo/cluster.yaml:12:"), error.toString());
        assertThrows(IllegalArgumentException.class, () -> MaintenanceWindows.cron(new MaintenanceWindow("not cron", Duration.ofHours(1), "UTC")));
    }
}
