package io.nkd.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without a server: what the kit says, and that it fails under CI and skips elsewhere. No test server needed. */
class TestServerLocatorTest {
    @TempDir
    Path dir;

    @Test
    void aServerThatDoesNotAnswerIsMissingWithTheCommandThatStartsIt() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster:
                    server: https://127.0.0.1:%d
                users:
                - name: u
                  user:
                    token: not-a-secret
                contexts:
                - name: x
                  context: {cluster: c, user: u}
                current-context: x
                """.formatted(port));
        Map<String, String> env = Map.of("KUBECONFIG", kubeconfig.toString(),
                "NKD_KUBE_APISERVER", "https://127.0.0.1:" + port, "NKD_KUBE_DIR", dir.resolve("state").toString());

        TestServerLocator.Result result = TestServerLocator.locate(env, dir);

        TestServerLocator.Missing missing = assertInstanceOf(TestServerLocator.Missing.class, result);
        assertTrue(missing.reason().contains("testenv/kube-apiserver.sh up"), missing.reason());
        assertTrue(missing.reason().contains("127.0.0.1:" + port + " does not answer"), missing.reason());
        assertTrue(!missing.reason().contains("not-a-secret"), "the token stays out of the message");
    }

    @Test
    void aKubeconfigWithoutNkdKubeApiServerIsNotUsed() throws IOException {
        Path kubeconfig = dir.resolve("someone-elses-cluster");
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\n");
        TestServerLocator.Result result = TestServerLocator.locate(
                Map.of("KUBECONFIG", kubeconfig.toString(), "NKD_KUBE_DIR", dir.resolve("state").toString()), dir);
        TestServerLocator.Missing missing = assertInstanceOf(TestServerLocator.Missing.class, result);
        assertTrue(missing.reason().contains("NKD_KUBE_APISERVER is not"), missing.reason());
    }

    @Test
    void missingFailsUnderCiAndSkipsElsewhere() {
        assertThrows(AssertionFailedError.class, () -> Ci.require(false, "no server", true));
        assertThrows(TestAbortedException.class, () -> Ci.require(false, "no server", false));
        Ci.require(true, "present", true);
        assertTrue(Ci.active("true") && Ci.active(" TRUE ") && !Ci.active(null) && !Ci.active("1"));
    }

    @Test
    void namespaceNamesAreDnsLabels() {
        String name = KubeApiServerExtension.namespaceFor(AVeryLongTestClassNameThatGoesOnAndOnForMoreThanFortyCharacters.class);
        assertTrue(name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && name.length() <= 63, name);
    }

    private static final class AVeryLongTestClassNameThatGoesOnAndOnForMoreThanFortyCharacters {
    }
}
