package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.Condition;
import io.nkd.status.HistoryEntry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tables of nkd status and nkd history keep their columns aligned whatever the length of names and values. */
class StatusPrinterTest {
    private static final Instant T = Instant.parse("2026-12-06T03:00:00Z");
    private static final String LONG = "a-cluster-name-far-longer-than-twenty-characters";

    private static ClusterStatus status(String name, Phase phase, Condition.Status ready, String message) {
        Condition c = new Condition("Ready", ready, "Succeeded", message, "0123456789abcdef", T);
        return new ClusterStatus(name, "0123456789abcdef0123456789abcdef01234567", null, phase, List.of(c), List.of(
                new ClusterStatus.PoolStatus("control-plane", "rendered-control-plane-1")), List.of(
                new ClusterStatus.NodeStatus(name + "-control-plane-1", "control-plane", "rendered-control-plane-1", "rendered-control-plane-0",
                        io.nkd.status.MachinePhase.FETCHED, T, null)), null, T, T);
    }

    /** The column a header starts at must be where every row's cell of that column starts. */
    private static void assertAligned(String table, String... headers) {
        List<String> lines = table.lines().toList();
        String header = lines.get(0);
        for (int i = 1; i < headers.length; i++) {
            String name = headers[i];
            int column = header.indexOf(name);
            assertTrue(column > 0, name + " in " + header);
            for (String row : lines.subList(1, lines.size())) {
                assertEquals(' ', row.charAt(column - 1), () -> "a cell ends in column " + name + ":\n" + table);
                assertTrue(row.charAt(column) != ' ', () -> "no cell starts under " + name + ":\n" + table);
            }
        }
    }

    @Test
    void clusterTableColumnsAlignWithLongNamesAndPhases() {
        String table = StatusPrinter.clusters(List.of(
                status("demo", Phase.READY, Condition.Status.TRUE, "applied"),
                status(LONG, Phase.ROLLOUT_PENDING, Condition.Status.FALSE, "2 nodes wait for a rollout")));
        assertAligned(table, "CLUSTER", "PHASE", "APPLIED", "READY", "MACHINES", "MESSAGE");
        assertTrue(table.contains(LONG + "  ROLLOUT_PENDING  0123456789ab  FALSE  1/1 fetched  2 nodes wait for a rollout\n"), table);
        assertTrue(table.lines().noneMatch(l -> l.endsWith(" ")), "no trailing blanks");
    }

    @Test
    void historyColumnsAlign() {
        String table = StatusPrinter.history(List.of(
                new HistoryEntry("0123456789abcdef", T, HistoryEntry.Outcome.APPLIED, "Succeeded", "ready", T.plusSeconds(30)),
                new HistoryEntry("fedcba9876543210", T.plusMillis(123), HistoryEntry.Outcome.REFUSED, "ChangeRefused", "downgrade")));
        assertAligned(table, "TIME", "COMMIT", "OUTCOME", "COMPLETED", "DETAIL");
        assertTrue(table.contains("2026-12-06T03:00:30Z"), table);
    }

    @Test
    void detailAlignsConditionsAndNodesAndSaysFirstApplied() {
        String detail = StatusPrinter.detail(status(LONG, Phase.ROLLOUT_PENDING, Condition.Status.FALSE, "waiting"));
        assertTrue(detail.contains("Applied:   0123456789abcdef0123456789abcdef01234567 (first applied at 2026-12-06T03:00:00Z)"), detail);
        assertTrue(detail.contains("  " + LONG + "-control-plane-1  control-plane  fetched  since 2026-12-06T03:00:00Z  fetched rendered-control-plane-0, "
                + "desired rendered-control-plane-1 (rollout pending)\n"), detail);
    }

    @Test
    void detailNamesEachAddonObjectThatFailed() {
        ClusterStatus s = status("lab", Phase.DEGRADED, Condition.Status.FALSE, "add-ons");
        io.nkd.status.AddonsStatus addons = new io.nkd.status.AddonsStatus("0123456789abcdef0123456789abcdef01234567", "sha256:00", 14, 13,
                List.of(new io.nkd.status.AddonsStatus.AddonError("calico", "Service calico-system/typha",
                        "clusters/lab/manifests/cni/calico.yaml:120", "HTTP 422: spec.ports[0].port: Invalid value: 99999")),
                List.of(), List.of(), T);
        String detail = StatusPrinter.detail(new ClusterStatus(s.name(), s.appliedRevision(), null, s.phase(), s.conditions(), s.pools(),
                s.nodes(), null, T, T, null, addons, null));
        assertTrue(detail.contains("Add-ons:   13 of 14 object(s) applied from 0123456789ab at 2026-12-06T03:00:00Z; 1 failed\n"
                + "  failed: Service calico-system/typha (clusters/lab/manifests/cni/calico.yaml:120) of add-on calico: HTTP 422: "
                + "spec.ports[0].port: Invalid value: 99999\n"), detail);
    }
}
