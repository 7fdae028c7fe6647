package io.nkd.state.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.state.StateStore;
import io.nkd.state.StateStoreContract;
import io.nkd.testkit.KubeApiServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared behaviour ({@link StateStoreContract}) on the Kubernetes store, against the real kube-apiserver. */
@ExtendWith(KubeApiServerExtension.class)
class KubernetesStateStoreContractTest extends StateStoreContract {
    KubernetesClient client;
    private KubeStateTesting kube;
    private KubernetesStateStore store;

    @BeforeEach
    void setUp() {
        kube = new KubeStateTesting(client, "t-kstore-contract");
        store = kube.store();
    }

    @AfterEach
    void tearDown() {
        kube.close();
    }

    @Override
    protected StateStore store() {
        return store;
    }

    @Override
    protected StateStore secondStore() {
        return kube.store();
    }

    /** Another store's write reaches this one through its watch: within seconds. */
    @Override
    protected void awaitVisible(StateStore s, String cluster, String path) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!s.view(cluster).exists(path) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
