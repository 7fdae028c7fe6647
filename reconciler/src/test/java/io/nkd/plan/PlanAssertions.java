package io.nkd.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;

/** Lookups and checks shared by the plan tests. */
final class PlanAssertions {
    private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9])[a-z0-9]{6}\\.[a-z0-9]{16}(?![A-Za-z0-9])");

    private PlanAssertions() {
    }

    static ClusterPlan cluster(Plan plan, String name) {
        return plan.clusters().stream().filter(c -> c.cluster().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no cluster " + name + " in the plan"));
    }

    static <A extends Action> List<A> actions(Plan plan, String cluster, Class<A> type) {
        return cluster(plan, cluster).actions(type);
    }

    static Action.UpdatePoolConfig pool(Plan plan, String cluster, String pool) {
        return actions(plan, cluster, Action.UpdatePoolConfig.class).stream().filter(u -> u.pool().equals(pool)).findFirst()
                .orElseThrow(() -> new AssertionError("no config change of pool " + pool + " in " + cluster));
    }

    static List<String> machineNames(List<? extends Action> actions) {
        return actions.stream().map(a -> a instanceof Action.CreateMachine c ? c.machine().name()
                : a instanceof Action.DeleteMachine d ? d.machine().name()
                : a instanceof Action.OrphanMachine o ? o.machine().name()
                : ((Action.ReplaceMachine) a).to().name()).toList();
    }

    /** Every format of the plan, with the checks that hold for any plan: no secret material, placeholders only. */
    static List<String> allFormats(Plan plan) {
        List<String> outputs = List.of(PlanFormat.TEXT.print(plan), PlanFormat.MARKDOWN.print(plan), PlanFormat.JSON.print(plan));
        for (String out : outputs) {
            assertNoSecrets(out);
        }
        return outputs;
    }

    static void assertNoSecrets(String out) {
        assertFalse(out.contains("-----BEGIN"), "PEM material in the output");
        assertFalse(out.contains("PRIVATE KEY-----"), "a private key in the output");
        assertFalse(TOKEN.matcher(out).find(), "a bootstrap token in the output");
    }

    static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected to find\n  " + needle + "\nin\n" + haystack);
    }
}
