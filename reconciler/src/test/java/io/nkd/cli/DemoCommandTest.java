package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd demo --tour --exit-after-tour}: the real daemon on the demo's repository, with the sandbox's simulated
 * machines and Kubernetes, taken through an upgrade, its revert and scaling by commits; the printed steps (read from
 * nkd's own status) are asserted in order. The simulated machines are made fast by a commit of the user's kind
 * (spec.infrastructure.sandbox.bootTime), so the tour takes seconds.
 */
class DemoCommandTest {
    private static final String CP = "sandbox-demo-control-plane-1";
    private static final String W1 = "sandbox-demo-workers-1";
    private static final String W2 = "sandbox-demo-workers-2";

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void theTourShowsReadyThenAnUpgradeNodeByNodeItsRollbackAndScaling() throws Exception {
        Path repo = dir.resolve("repo");
        DemoCommand.createRepository(repo);
        Path cluster = repo.resolve("clusters/sandbox-demo/cluster.yaml");
        Files.writeString(cluster, Files.readString(cluster).replace("bootTime: 2s", "bootTime: 600ms"));
        try (Git git = Git.open(repo.toFile())) {
            PersonIdent who = new PersonIdent("test", "test@localhost");
            git.commit().setAll(true).setMessage("faster simulated machines").setAuthor(who).setCommitter(who).setSign(false).call();
        }

        DemoCommand demo = new DemoCommand();
        demo.dir = dir;
        demo.listen = "127.0.0.1:0";
        demo.ignitionListen = "127.0.0.1:0";
        demo.exitAfterTour = true;
        demo.tourPoll = Duration.ofMillis(100);
        demo.tourPatience = Duration.ofSeconds(40);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            exit = demo.call();
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, out);

        List<String> lines = Arrays.asList(out.split("\n"));
        String[] parts = out.split("\n== ");
        assertTrue(parts.length >= 6, out);
        String up = section(parts, "1/4");
        String upgrade = section(parts, "2/4");
        String rollback = section(parts, "3/4");
        String scaling = section(parts, "4/4");

        assertTrue(up.contains("sandbox-demo is Ready at commit"), up);
        assertTrue(up.contains("3 of 3 nodes Ready"), up);

        assertTrue(upgrade.contains("plan: upgrade OS nestos-24.09-k8s-1.31"), upgrade);
        assertEquals(List.of(CP, W1, W2), firstUpdating(upgrade), "control plane first, then the workers one by one");
        assertTrue(upgrade.contains("→ nestos@sha256:eaf4487c7733"), upgrade);
        assertTrue(upgrade.contains("completed: every node runs nestos@sha256:eaf4487c7733"), upgrade);
        assertOneAtATime(upgrade);

        assertTrue(rollback.contains("$ git -C " + repo + " revert --no-edit"), rollback);
        assertTrue(rollback.contains("plan: downgrade OS"), rollback);
        assertEquals(List.of(CP, W1, W2), firstUpdating(rollback));
        assertTrue(rollback.contains("rpm-ostree rollback"), "each node boots its previous deployment: " + rollback);
        assertTrue(rollback.contains("completed: every node runs nestos@sha256:9c1e7a5b3d2f"), rollback);

        assertTrue(scaling.contains("plan: create machine sandbox-demo-workers-3"), scaling);
        assertTrue(Pattern.compile("sandbox-demo-workers-3 +ready").matcher(scaling).find(), scaling);
        assertTrue(scaling.contains("plan: delete machine sandbox-demo-workers-3"), scaling);
        assertTrue(Pattern.compile("sandbox-demo-workers-3 +deleted").matcher(scaling).find(), scaling);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("== tour complete")), out);
    }

    private static String section(String[] parts, String prefix) {
        return Arrays.stream(parts).filter(p -> p.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no section " + prefix + " in " + String.join("\n== ", parts)));
    }

    /** The nodes in the order they were first shown Updating (or, if a poll missed that, just verified). */
    private static List<String> firstUpdating(String section) {
        List<String> order = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ +(\\S+) +\\S+ → \\S+ +(Updating|Updated: verified)").matcher(section);
        while (m.find()) {
            if (!order.contains(m.group(1))) {
                order.add(m.group(1));
            }
        }
        return order;
    }

    /** Once a node was shown updating and then Updated, no node shows Updating while another one is: one at a time. */
    private static void assertOneAtATime(String section) {
        List<String> started = new ArrayList<>();
        List<String> done = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ +(\\S+) +\\S+ → \\S+ +(Updating|Updated)").matcher(section);
        String current = null;
        while (m.find()) {
            String node = m.group(1);
            if (m.group(2).equals("Updating")) {
                assertTrue(!done.contains(node), node + " updating again after it was done: " + section);
                assertTrue(current == null || current.equals(node), node + " started while " + current + " was updating: " + section);
                current = node;
                started.add(node);
            } else if (started.contains(node)) {
                done.add(node);
                if (node.equals(current)) {
                    current = null;
                }
            }
        }
        assertTrue(started.size() >= 2, "the rollout was seen in progress: " + section);
    }

    /** Prints and keeps what the demo writes. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
