package io.nkd.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.Sensitivity;
import io.nkd.state.kube.KubernetesStateStore;
import io.nkd.state.open.StateStores;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * The Kubernetes state store on a real API server: latency of its operations and the state I/O of one reconcile.
 * Creates namespace nkd-bench-state-RANDOM, deletes it at the end. Usage: StateStoreBench KUBECONFIG [N]
 */
public final class StateStoreBench {
    private StateStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Path kubeconfig = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String ns = "nkd-bench-state-" + Long.toString(new Random().nextLong() & 0xffffffffL, 36);
        try (KubernetesClient admin = new KubernetesClientBuilder()
                .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(java.nio.file.Files.readString(kubeconfig)))
                .build()) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            try {
                run(kubeconfig, ns, n);
            } finally {
                admin.namespaces().withName(ns).withGracePeriod(0).delete();
            }
        }
    }

    private static void run(Path kubeconfig, String ns, int n) throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        byte[] small = new byte[2 * 1024];
        byte[] large = new byte[100 * 1024];
        new Random(1).nextBytes(small);
        new Random(2).nextBytes(large);
        try (KubernetesStateStore a = StateStores.openKubernetes(ns, Optional.of(kubeconfig), metrics,
                KubernetesStateStore.Options.DEFAULT);
             KubernetesStateStore b = StateStores.openKubernetes(ns, Optional.of(kubeconfig), new SimpleMeterRegistry(),
                     KubernetesStateStore.Options.DEFAULT)) {
            System.out.printf("namespace %s, %d samples each%n", ns, n);
            try (ClusterState s = a.open("bench")) {
                for (int i = 0; i < 20; i++) {
                    s.write("warm/" + i, small, Sensitivity.PUBLIC); // warm-up: connections, JIT
                }
                print("create, 2 KiB ConfigMap", time(n, i -> s.write("create/f" + i, small, Sensitivity.PUBLIC)));
                print("update, 2 KiB ConfigMap", time(n, i -> s.write("update", small, Sensitivity.PUBLIC)));
                print("update, 2 KiB Secret", time(n, i -> s.write("secret", small, Sensitivity.SECRET)));
                print("update, 100 KiB Secret", time(n, i -> s.write("blob", large, Sensitivity.SECRET)));
                ClusterView view = a.view("bench");
                print("read (view, from memory)", time(n * 10, i -> view.read("blob").orElseThrow()));
                print("version (token-check cache key)", time(n * 10, i -> view.version("secret").orElseThrow()));
                long[] seen = new long[n / 4];
                for (int i = 0; i < seen.length; i++) {
                    byte[] mark = ("v" + i).getBytes();
                    long t = System.nanoTime();
                    s.write("visible", mark, Sensitivity.PUBLIC);
                    while (!Arrays.equals(mark, b.view("bench").read("visible").orElse(null))) {
                        Thread.onSpinWait();
                    }
                    seen[i] = System.nanoTime() - t;
                }
                print("write seen by another store (watch)", seen);
                print("delete", time(n, i -> s.delete("create/f" + i)));
            }
            print("open + close (Lease, LIST of the cluster, release)", time(n / 4, i -> a.open("bench").close()));
            // One reconcile's state I/O, as ClusterReconciler does it for an unchanged cluster: lock, read status,
            // history, tokens, served index and the applied cluster.yaml, write status; 30 files already there.
            for (int c = 0; c < 10; c++) {
                try (ClusterState s = a.open("r-" + c)) {
                    for (int f = 0; f < 30; f++) {
                        s.write("f" + f, small, f % 2 == 0 ? Sensitivity.SECRET : Sensitivity.PUBLIC);
                    }
                }
            }
            print("one reconcile's state I/O (open, 5 reads, 1 write, close)", time(n / 4, i -> {
                try (ClusterState s = a.open("r-" + (i % 10))) {
                    for (int f = 0; f < 5; f++) {
                        s.read("f" + f).orElseThrow();
                    }
                    s.write("f0", small, Sensitivity.SECRET);
                }
            }));
            System.out.printf("conflicts counted: %.0f%n", metrics.counter("nkd_state_conflicts_total").count());
        }
    }

    interface Op {
        void run(int i) throws Exception;
    }

    private static long[] time(int n, Op op) throws Exception {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            op.run(i);
            nanos[i] = System.nanoTime() - t;
        }
        return nanos;
    }

    private static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0) / 1e6;
        System.out.printf("%-62s mean %8.3f ms  p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms%n", what, mean,
                s[s.length / 2] / 1e6, s[Math.max(0, (int) Math.ceil(s.length * 0.99) - 1)] / 1e6, s[s.length - 1] / 1e6);
    }
}
