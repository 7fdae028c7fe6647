package io.nkd.housekeeper.agent.host;

import io.nkd.housekeeper.api.KubeVersion;
import io.nkd.housekeeper.testing.FakeHost;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeHostTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T08:00:00Z"), ZoneOffset.UTC);

    @Test
    void commandLines() {
        assertEquals(List.of("rpm-ostree", "rebase", "--experimental",
                        "ostree-unverified-image:docker://registry.example:5000/nestos/k8s:1.29", "--bypass-driver"),
                NodeHost.rebaseCommand(ImageTransport.UNVERIFIED, null, "registry.example:5000/nestos/k8s:1.29"));
        assertEquals(List.of("rpm-ostree", "rebase", "--experimental",
                        "ostree-remote-image:nestos:docker://registry.example/nestos/k8s@sha256:"
                                + "0d79c262c8faaf0d65dbafe452995e5027985fb2173e3e619e2f04e918ca3eb2", "--bypass-driver"),
                NodeHost.rebaseCommand(ImageTransport.SIGNED, "nestos", "registry.example/nestos/k8s@sha256:"
                        + "0d79c262c8faaf0d65dbafe452995e5027985fb2173e3e619e2f04e918ca3eb2"));
        // a URL written with a transport is normalised, never doubled
        assertEquals("ostree-unverified-image:docker://quay.io/fedora/fedora-coreos:stable",
                NodeHost.rebaseCommand(ImageTransport.UNVERIFIED, null,
                        "ostree-unverified-registry:quay.io/fedora/fedora-coreos:stable").get(3));
        assertEquals(List.of("rpm-ostree", "rollback"), NodeHost.rollbackCommand());
        assertEquals(List.of("rpm-ostree", "status", "--json"), NodeHost.statusCommand());
        assertEquals(List.of("rpm-ostree", "cleanup", "-p"), NodeHost.cleanupPendingCommand());
        assertEquals(List.of("systemctl", "reboot"), NodeHost.rebootCommand());
        assertEquals(List.of("kubeadm", "version", "-o", "short"), NodeHost.kubeadmVersionCommand());
        assertEquals(List.of("kubeadm", "upgrade", "apply", "v1.29.3", "-y"),
                NodeHost.kubeadmUpgradeApplyCommand(KubeVersion.parse("1.29.3")));
        assertEquals(List.of("kubeadm", "upgrade", "node"), NodeHost.kubeadmUpgradeNodeCommand());
        assertEquals(List.of(List.of("systemctl", "daemon-reload"), List.of("systemctl", "restart", "kubelet")),
                NodeHost.kubeletRestartCommands());
        assertEquals(List.of("kubelet", "--version"), NodeHost.kubeletVersionCommand());
    }

    @Test
    void signedTransportNeedsTheOstreeRemote() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new NodeHost(new FakeHost("a/b:1", FakeHost.digestOf("a/b:1"), "v1.28.0"), ImageTransport.SIGNED,
                        " ", CLOCK));
        assertTrue(e.getMessage().contains("--ostree-remote"), e.getMessage());
    }

    @Test
    void everyCommandIsRecordedAndAFailureCarriesTheOutputTail() throws Exception {
        FakeHost fake = new FakeHost("a/b:1", FakeHost.digestOf("a/b:1"), "v1.28.4");
        NodeHost host = new NodeHost(fake, ImageTransport.UNVERIFIED, null, CLOCK);
        assertEquals(KubeVersion.parse("v1.28.4"), host.kubeletVersion());
        assertEquals(List.of("kubelet", "--version"), host.lastCommand().orElseThrow().argv());
        assertEquals(0, host.lastCommand().orElseThrow().exitCode());
        assertEquals("Kubernetes v1.28.4", host.lastCommand().orElseThrow().outputTail());
        assertEquals("2026-12-06T08:00:00Z", host.lastCommand().orElseThrow().finishedAt());

        fake.fail("kubeadm upgrade node", 1, "error execution phase control-plane: couldn't upgrade", 1);
        var e = assertThrows(HostCommandException.class, host::kubeadmUpgradeNode);
        assertTrue(e.getMessage().contains("'kubeadm upgrade node' failed (exit 1): error execution phase"),
                e.getMessage());
        assertEquals(1, host.lastCommand().orElseThrow().exitCode());
    }

    @Test
    void versionsAreReadFromTheToolsOutput() throws Exception {
        FakeHost fake = new FakeHost("a/b:1", FakeHost.digestOf("a/b:1"), "v1.28.4").kubeadmVersion("v1.29.3");
        NodeHost host = new NodeHost(fake, ImageTransport.UNVERIFIED, null, CLOCK);
        assertEquals(KubeVersion.parse("1.29.3"), host.kubeadmVersion());
        assertEquals("a/b:1", host.osStatus().booted().image());
        String tail = host.lastCommand().orElseThrow().outputTail();
        assertTrue(tail.matches("\\(JSON, \\d+ characters\\)"), "the report holds no JSON dump: " + tail);
    }

    @Test
    void theNsenterPrefixEntersPid1sNamespaces() {
        assertEquals(List.of("nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--",
                "rpm-ostree", "status", "--json"), ProcessHostCommands.nsenter().processArgv(NodeHost.statusCommand()));
    }

    @Test
    void processesReportExitOutputAndTimeout() throws Exception {
        ProcessHostCommands local = ProcessHostCommands.local();
        CommandResult ok = local.run(List.of("sh", "-c", "for i in $(seq 1 50); do echo line $i; done; echo oops >&2; "
                + "exit 3"), Duration.ofSeconds(20));
        assertEquals(3, ok.exitCode());
        assertTrue(ok.stdout().startsWith("line 1\n"));
        String tail = ok.outputTail();
        assertTrue(tail.startsWith("…"), tail);
        assertTrue(tail.endsWith("line 50\noops"), tail);
        assertEquals(OutputTail.MAX_LINES, tail.split("\n").length);

        CommandResult slow = local.run(List.of("sleep", "30"), Duration.ofMillis(300));
        assertNull(slow.exitCode());
        assertTrue(slow.duration().compareTo(Duration.ofSeconds(10)) < 0);

        CommandResult missing = local.run(List.of("/nonexistent/tool"), Duration.ofSeconds(5));
        assertNull(missing.exitCode());
        assertTrue(missing.stderr().contains("cannot start /nonexistent/tool"), missing.stderr());
    }

    @Test
    void outputTailIsBounded() {
        assertEquals("", OutputTail.of(null));
        assertEquals("short", OutputTail.of("short\n"));
        String longLine = "x".repeat(5000);
        String tail = OutputTail.of(longLine);
        assertEquals(OutputTail.MAX_CHARS + 1, tail.length());
    }
}
