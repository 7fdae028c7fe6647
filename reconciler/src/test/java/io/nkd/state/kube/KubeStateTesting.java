package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A namespace of its own per test (the store's state is the whole namespace) and the stores opened on it. */
final class KubeStateTesting implements AutoCloseable {
    /** Short leases so that a test about expiry takes seconds. */
    static final KubernetesStateStore.Options FAST = new KubernetesStateStore.Options(Duration.ofSeconds(3),
            Duration.ofMillis(500), Duration.ofSeconds(2), Clock.systemUTC());

    final KubernetesClient client;
    final String namespace;
    private final List<KubernetesStateStore> stores = new ArrayList<>();

    KubeStateTesting(KubernetesClient client, String base) {
        this.client = client;
        this.namespace = base + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
    }

    KubernetesStateStore store() {
        return store(new SimpleMeterRegistry(), FAST);
    }

    KubernetesStateStore store(io.micrometer.core.instrument.MeterRegistry metrics, KubernetesStateStore.Options options) {
        KubernetesStateStore s = new KubernetesStateStore(client, namespace, metrics, options);
        synchronized (stores) {
            stores.add(s);
        }
        return s;
    }

    @Override
    public void close() {
        synchronized (stores) {
            stores.forEach(KubernetesStateStore::close);
        }
        client.namespaces().withName(namespace).withGracePeriod(0).delete();
    }
}
