package io.nkd.plan;

import static io.nkd.plan.PlanAssertions.assertContains;
import static io.nkd.plan.PlanAssertions.assertNoSecrets;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan renders with placeholders, so it never sees a secret; these tests feed it real ones anyway (a PKI
 * generated into a temporary state directory) to prove the redaction that stands behind that.
 */
class SecretsNeverAppearTest {
    @TempDir
    Path state;

    @Test
    void aConfigRenderedWithRealSecretsReviewsWithoutThem() {
        RepositoryConfig config = ConfigLoader.load(Example.load().snapshot());
        LoadedCluster lab = config.cluster("libvirt-lab").orElseThrow();
        BootstrapSecrets real = new ClusterSecrets(new LocalStateStore(state), new SecretResolver(state, Map.of()),
                new SecureRandom(), Clock.systemUTC()).ensure(lab);
        RenderedCluster withSecrets = ClusterRenderer.render(lab, config.images(), real);
        RenderedCluster review = ClusterRenderer.render(lab, config.images(), BootstrapSecrets.placeholders());
        assertTrue(withSecrets.ok(), withSecrets.report()::toString);
        String rendered = withSecrets.pools().get(0).config().toString();
        assertContains(rendered, "data:");

        List<String> lines = IgnitionReview.lines(withSecrets.pools().get(0).config());
        String text = String.join("\n", lines);
        assertNoSecrets(text);
        assertFalse(text.contains(real.bootstrapToken()), "bootstrap token");
        assertFalse(text.contains(real.certificateKey()), "certificate key");
        for (BootstrapSecrets.PkiFile f : real.controlPlaneFiles().values()) {
            String body = f.contents().lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
            assertFalse(text.contains(body), "PKI file contents");
        }
        assertContains(text, "<redacted: ");
        assertContains(text, "| <certificate, sha256 ");

        String diff = UnifiedDiff.of("a", "b", IgnitionReview.lines(review.pools().get(0).config()), lines);
        assertNoSecrets(diff);
        assertFalse(diff.contains(real.certificateKey()));
        // the version id ignores secrets, so the plan itself would not even list this pool
        assertTrue(withSecrets.versions().equals(review.versions()));
    }

    @Test
    void everyFormatRedactsWhatSlipsIntoAnyField() {
        String key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPdxK3ExampleExampleExampleExample\n-----END PRIVATE KEY-----\n";
        String reason = "leaked " + key + " and token abcdef.0123456789abcdef";
        Action.UpdatePoolConfig leaky = new Action.UpdatePoolConfig("c", "p", Action.UpdatePoolConfig.Change.CHANGED,
                "rendered-p-1", "rendered-p-2", Action.Effect.APPLIED, "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-x\n+" + key.replace("\n", "\n+"), reason);
        Plan plan = new Plan("a", "b", List.of(new ClusterPlan("c", ClusterPlan.Status.CHANGED, Map.of(), Map.of(), List.of(reason),
                List.of(leaky))), List.of());
        for (PlanFormat format : PlanFormat.values()) {
            String out = format.print(plan);
            assertNoSecrets(out);
            assertFalse(out.contains("MC4CAQAwBQYDK2VwBCIEIPdxK3"), format + " leaks the key body");
        }
    }
}
