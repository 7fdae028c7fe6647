package io.nkd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code --state} value. */
class StateLocationTest {
    @Test
    void directoriesPlainOrPrefixed() {
        assertEquals(new StateLocation.Local(Path.of("/var/lib/nkd")), StateLocation.parse("/var/lib/nkd", Optional.empty()));
        assertEquals(new StateLocation.Local(Path.of("state")), StateLocation.parse("state", Optional.empty()));
        assertEquals(new StateLocation.Local(Path.of("odd:name")), StateLocation.parse("local:odd:name", Optional.empty()));
        assertEquals(new StateLocation.Local(Path.of("./kubernetes")), StateLocation.parse("./kubernetes", Optional.empty()));
        assertEquals("local:/var/lib/nkd", StateLocation.parse("local:/var/lib/nkd", Optional.empty()).toString());
    }

    @Test
    void kubernetesWithItsNamespaceTheDefaultOrThePods() {
        assertEquals(new StateLocation.Kubernetes("nkd-system"), StateLocation.parse("kubernetes", Optional.empty()));
        assertEquals(new StateLocation.Kubernetes("ops"), StateLocation.parse("kubernetes", Optional.of("ops")));
        assertEquals(new StateLocation.Kubernetes("nkd-prod"), StateLocation.parse("kubernetes:nkd-prod", Optional.of("ops")));
        assertEquals("kubernetes:nkd-prod", StateLocation.parse("kubernetes:nkd-prod").toString());
    }

    @Test
    void thePodsNamespaceIsReadFromItsServiceAccountMount(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("namespace"), "team-a\n");
        assertEquals(Optional.of("team-a"), StateLocation.podNamespace(file));
        assertEquals(Optional.empty(), StateLocation.podNamespace(tmp.resolve("missing")));
    }

    @Test
    void badValuesSayWhatIsAccepted() {
        assertEquals("--state: the value is empty",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse(" ")).getMessage());
        assertEquals("--state: \"kubernetes:\" names no namespace; write kubernetes:NAMESPACE, or kubernetes alone for"
                + " nkd-system (the pod's own namespace in a pod)",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("kubernetes:")).getMessage());
        assertEquals("--state: namespace \"Prod_1\" is not a Kubernetes namespace name (lowercase letters, digits and"
                + " '-', starting and ending with a letter or digit, at most 63 characters)",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("kubernetes:Prod_1")).getMessage());
        assertEquals("--state: \"local:\" names no directory; write local:DIR or just DIR",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("local:")).getMessage());
        assertEquals("--state: unknown kind of store \"k8s\"; use local:DIR, a directory, kubernetes or"
                + " kubernetes:NAMESPACE (for a directory with ':' in its name write local:k8s:prod)",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("k8s:prod")).getMessage());
        // a capital letter would otherwise make it a directory named Kubernetes, and the error come much later
        assertEquals("--state: \"Kubernetes\" is not a kind of store; the kinds are lowercase: kubernetes, kubernetes:NAMESPACE"
                        + " or local:DIR (for a directory of that name write local:Kubernetes or ./Kubernetes)",
                assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("Kubernetes")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> StateLocation.parse("KUBERNETES:nkd"));
        assertEquals(new StateLocation.Local(Path.of("./Kubernetes")), StateLocation.parse("./Kubernetes", Optional.empty()));
    }
}
