package io.nkd.state.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.state.ClusterView;
import io.nkd.testkit.KubeApiServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A namespace with more state objects than one page of the informers' first list (500): a fresh store pages through
 * all of them, so no cluster and no file is missing after a restart of nkd with many clusters.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubernetesStateStorePagingTest {
    KubernetesClient client;
    private KubeStateTesting kube;

    @BeforeEach
    void setUp() {
        kube = new KubeStateTesting(client, "t-kpage");
    }

    @AfterEach
    void tearDown() {
        kube.close();
    }

    @Test
    void aFreshStoreSeesEveryObjectBeyondTheFirstPage() throws Exception {
        int clusters = 40;
        int files = 30; // 1,200 ConfigMaps: three pages of 500
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> creates = new ArrayList<>();
            for (int c = 0; c < clusters; c++) {
                String cluster = "c" + c;
                for (int f = 0; f < files; f++) {
                    String path = "history/" + f + ".json";
                    String data = "{\"file\":" + f + ",\"cluster\":\"" + cluster + "\"}\n";
                    creates.add(CompletableFuture.runAsync(() -> client.configMaps().inNamespace(kube.namespace)
                            .resource(new ConfigMapBuilder().withNewMetadata()
                                    .withName(StateObjects.objectName(cluster, path))
                                    .withLabels(StateObjects.labels(cluster))
                                    .addToAnnotations(StateObjects.PATH_ANNOTATION, path)
                                    .endMetadata()
                                    .addToData(StateObjects.dataKey(path), data)
                                    .build())
                            .create(), pool));
                }
            }
            CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).join();
        } finally {
            pool.shutdownNow();
        }

        long start = System.nanoTime();
        KubernetesStateStore store = kube.store();
        long openMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(clusters, store.listClusters().size(), "clusters seen by a fresh store");
        int seen = 0;
        for (String cluster : store.listClusters()) {
            ClusterView view = store.view(cluster);
            List<String> listed = view.list("history");
            assertEquals(files, listed.size(), "files of " + cluster + ": " + listed);
            seen += listed.size();
            assertEquals("{\"file\":7,\"cluster\":\"" + cluster + "\"}\n", new String(view.read("history/7.json").orElseThrow(), StandardCharsets.UTF_8));
        }
        assertEquals(clusters * files, seen);
        // Three pages on loopback: seconds at most, even on a busy machine.
        assertTrue(openMillis < 30_000, "a fresh store opened in " + openMillis + " ms");
        System.out.println("KubernetesStateStorePagingTest: " + clusters * files + " objects, store opened in "
                + openMillis + " ms");
    }
}
