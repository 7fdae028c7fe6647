package io.nkd.bench;

import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.Snapshot;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The desired-state pipeline at scale: a repository of 100 generated clusters with 3 pools each (control plane,
 * workers, infra; 3 + 5 + 2 nodes), loaded and validated, then every pool and node overlay rendered. One
 * operation is the whole repository (300 pool configs and 1,000 node overlays).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class RenderScaleBenchmark {
    static final int CLUSTERS = 100;

    Snapshot snapshot;
    RepositoryConfig loaded;

    @Setup
    public void setup() {
        snapshot = repository(CLUSTERS);
        loaded = ConfigLoader.load(snapshot);
        if (!loaded.valid()) {
            throw new IllegalStateException("generated repository is invalid:\n" + loaded.allProblems());
        }
        int pools = 0;
        for (LoadedCluster c : loaded.clusters()) {
            RenderedCluster r = ClusterRenderer.render(c, loaded.images(), BootstrapSecrets.placeholders());
            if (!r.ok()) {
                throw new IllegalStateException(r.report().toString());
            }
            pools += r.pools().size();
        }
        System.out.println("repository: " + loaded.clusters().size() + " clusters, " + pools + " pools, "
                + snapshot.files().size() + " files");
    }

    /** Load and validate the whole repository (YAML binding, rules, snippet translation). */
    @Benchmark
    public RepositoryConfig loadAndValidate() {
        return ConfigLoader.load(snapshot);
    }

    /** Render every pool and node overlay of every cluster of an already loaded repository. */
    @Benchmark
    public void renderAll(Blackhole bh) {
        for (LoadedCluster c : loaded.clusters()) {
            bh.consume(ClusterRenderer.render(c, loaded.images(), BootstrapSecrets.placeholders()));
        }
    }

    static Snapshot repository(int clusters) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        files.put("images/nestos.yaml", """
                apiVersion: nkd.io/v1alpha1
                kind: ImageCatalog
                images:
                  - name: nestos-24.09
                    osImageURL: hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c
                    osVersion: "24.09.20241120"
                    kubernetesVersion: v1.31.4
                """.getBytes(StandardCharsets.UTF_8));
        String[] runtimes = {"containerd", "isulad", "crio", "docker"};
        for (int i = 0; i < clusters; i++) {
            String name = String.format("cluster-%03d", i);
            String yaml = """
                    apiVersion: nkd.io/v1alpha1
                    kind: Cluster
                    metadata:
                      name: %1$s
                    spec:
                      kubernetes:
                        version: v1.31.4
                        controlPlaneEndpoint: %1$s.k8s.example.com:6443
                        runtime: %2$s
                        apiServerExtraArgs:
                          audit-log-maxage: "30"
                      os:
                        image: nestos-24.09
                      infrastructure:
                        provider: sandbox
                      pools:
                        - name: control-plane
                          role: control-plane
                          replicas: 3
                        - name: workers
                          role: worker
                          replicas: 5
                          labels:
                            example.com/pool: workers
                        - name: infra
                          role: worker
                          replicas: 2
                      access:
                        users:
                          - name: core
                            sshAuthorizedKeys:
                              - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR ops@example
                    """.formatted(name, runtimes[i % runtimes.length]);
            files.put("clusters/" + name + "/cluster.yaml", yaml.getBytes(StandardCharsets.UTF_8));
            files.put("clusters/" + name + "/butane/all/10-ntp.bu", """
                    variant: fcos
                    version: 1.4.0
                    storage:
                      files:
                        - path: /etc/chrony.d/10-site.conf
                          mode: 0644
                          contents:
                            inline: |
                              server ntp1.example.com iburst
                    """.getBytes(StandardCharsets.UTF_8));
        }
        return new Snapshot("bench", files);
    }
}
