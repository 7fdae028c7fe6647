package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.housekeeper.rollout.RolloutEvent;
import io.nkd.housekeeper.rollout.Times;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Posts core/v1 Events: on the Update in its namespace and, for node events, on the Node too, in namespace
 * {@code default} (the API server requires that namespace for an Event about a cluster-scoped object, as the kubelet's
 * own node Events are). An Event that
 * cannot be posted is logged, never fails a reconcile: Events are for people, the status is the record.
 *
 * <p>Posted in order on a thread of their own, so that a rollout never waits for them: each node change brings up
 * to four Events, and posting them in the reconcile delayed the next node by their round trips. The queue is bounded;
 * when it is full (an API server that stopped answering), further Events are dropped with a warning.
 */
final class EventRecorder implements AutoCloseable {
    private static final int QUEUE = 5_000;
    static final String COMPONENT = "housekeeper-operator";
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final String identity;
    private final Clock clock;

    private final ThreadPoolExecutor poster;

    EventRecorder(KubernetesClient client, String identity, Clock clock) {
        this.client = client;
        this.identity = identity;
        this.clock = clock;
        this.poster = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "housekeeper-events");
            t.setDaemon(true);
            return t;
        }, (r, executor) -> {
            if (!executor.isShutdown()) {
                LOG.warn("{} Events wait to be posted: dropping one (the API server is slow or unreachable)", QUEUE);
            }
        });
    }

    @Override
    public void close() {
        poster.shutdown();
        try {
            if (!poster.awaitTermination(5, TimeUnit.SECONDS)) {
                poster.shutdownNow();
            }
        } catch (InterruptedException e) {
            poster.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    void post(HasMetadata about, RolloutEvent event) {
        String now = Times.format(clock.instant());
        ObjectReference ref = new ObjectReferenceBuilder().withApiVersion(about.getApiVersion())
                .withKind(about.getKind()).withName(about.getMetadata().getName())
                .withNamespace(about.getMetadata().getNamespace()).withUid(about.getMetadata().getUid()).build();
        String message = event.message().length() > 1024 ? event.message().substring(0, 1021) + "..." : event.message();
        var e = new EventBuilder()
                .withNewMetadata()
                .withName(about.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis() * 1_000_000
                        + System.nanoTime() % 1_000_000))
                .endMetadata()
                .withInvolvedObject(ref).withReason(event.reason().wire()).withMessage(message)
                .withType(event.warning() ? "Warning" : "Normal").withNewSource().withComponent(COMPONENT).endSource()
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withReportingComponent("housekeeper.io/operator").withReportingInstance(identity).build();
        String in = about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
        e.getMetadata().setNamespace(in);
        poster.execute(() -> create(e, in, about, event));
    }

    private void create(io.fabric8.kubernetes.api.model.Event e, String in, HasMetadata about, RolloutEvent event) {
        try {
            client.v1().events().inNamespace(in).resource(e).create();
        } catch (KubernetesClientException ex) {
            LOG.warn("cannot post Event {} about {} {} in namespace {} (HTTP {}: {}); the operator's role needs "
                            + "create on events there", event.reason().wire(), about.getKind(),
                    about.getMetadata().getName(), in, ex.getCode(), ex.getMessage());
        }
    }
}
