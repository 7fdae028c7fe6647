package io.nkd.state.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nkd.state.StateIOException;
import io.nkd.testkit.KubeApiServerExtension;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code nkd serve --state kubernetes:NS} or {@code nkd state migrate} while the API server is unreachable (a port where
 * nothing listens; the shared test API server is never stopped): the error names the namespace once and the server,
 * and promises no retry, since these commands stop there (a reconcile's own retry is said by the daemon).
 */
@ExtendWith(KubeApiServerExtension.class)
class UnreachableApiServerTest {
    KubernetesClient client;

    @Test
    void theErrorNamesTheServerAndPromisesNoRetry() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (KubernetesClient down = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withMasterUrl("https://127.0.0.1:" + port + "/").withRequestRetryBackoffLimit(0).build()).build()) {
            StateIOException e = assertThrows(StateIOException.class, () -> new KubernetesStateStore(down, "nkd-probe"));
            String m = e.getMessage();
            assertTrue(m.startsWith("cannot get namespace nkd-probe: the Kubernetes API server at https://127.0.0.1:" + port
                    + "/ did not answer ("), m);
            assertFalse(m.contains("retries"), m);
            assertEquals(1, m.split("nkd-probe", -1).length - 1, m);
        }
    }
}
