package io.nkd.state.open;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.state.LocalStateStore;
import io.nkd.state.StateLocation;
import io.nkd.state.StateSpi;
import io.nkd.state.StateStore;
import io.nkd.state.kube.KubernetesStateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens the store a {@link StateLocation} names. A package of its own because it knows every implementation (the
 * implementations depend on {@code io.nkd.state}; this depends on them). A Kubernetes store returned here owns its
 * client: close it ({@link AutoCloseable}) to stop its informers, release its locks and close the client.
 */
public final class StateStores {
    private StateStores() {
    }

    /**
     * @param kubeconfig for a Kubernetes location: this kubeconfig file (its current context); empty: fabric8's
     *     auto-configuration ({@code KUBECONFIG}, {@code ~/.kube/config}, or the pod's ServiceAccount in a pod)
     */
    public static StateStore open(StateLocation location, Optional<Path> kubeconfig, MeterRegistry metrics) {
        // Java 17: no pattern switch; the interface is sealed, so these two are all.
        if (location instanceof StateLocation.Local local) {
            return new LocalStateStore(local.dir());
        }
        StateLocation.Kubernetes kube = (StateLocation.Kubernetes) location;
        return openKubernetes(kube.namespace(), kubeconfig, metrics, KubernetesStateStore.Options.DEFAULT);
    }

    /** A Kubernetes store with its own client, closed with the store. */
    public static KubernetesStateStore openKubernetes(String namespace, Optional<Path> kubeconfig, MeterRegistry metrics,
                                                      KubernetesStateStore.Options options) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config(kubeconfig)).build();
        try {
            return new KubernetesStateStore(client, namespace, metrics, options, client::close);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The client's configuration: few retries (fabric8 retries 10 times with backoff by default; a store call that
     * hangs for a minute holds up a reconcile and outlives a lock's renew deadline).
     */
    static Config config(Optional<Path> kubeconfig) {
        Config base;
        if (kubeconfig.isPresent()) {
            Path file = kubeconfig.get();
            String content;
            try {
                content = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw StateSpi.failed("--kubeconfig " + file + ": cannot read it (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
            }
            try {
                base = Config.fromKubeconfig(content);
            } catch (KubernetesClientException | IllegalArgumentException e) {
                throw StateSpi.failed("--kubeconfig " + file + " is not a usable kubeconfig; check it with kubectl"
                        + " --kubeconfig " + file + " get namespaces", e);
            }
        } else {
            base = Config.autoConfigure(null);
        }
        return new ConfigBuilder(base).withRequestRetryBackoffLimit(2).withRequestRetryBackoffInterval(200)
                .withConnectionTimeout(5_000).withRequestTimeout(15_000).build();
    }
}
