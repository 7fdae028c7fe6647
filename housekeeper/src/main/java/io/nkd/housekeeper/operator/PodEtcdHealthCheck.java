package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nkd.housekeeper.rollout.EtcdHealth;

import java.util.Comparator;
import java.util.List;

/**
 * etcd's health from kubeadm's static pods: every pod labelled {@code component=etcd} in the namespace (kube-system)
 * must be Running with condition Ready True. Watched through an informer, so {@link #check()} reads a cache.
 */
public final class PodEtcdHealthCheck implements EtcdHealthCheck {
    public static final String LABEL = "component";
    public static final String VALUE = "etcd";

    private final KubernetesClient client;
    private final String namespace;
    private SharedIndexInformer<Pod> informer;

    public PodEtcdHealthCheck(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public synchronized void start(Runnable onChange) {
        informer = client.pods().inNamespace(namespace).withLabel(LABEL, VALUE).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                onChange.run();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                onChange.run();
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
                onChange.run();
            }
        });
    }

    @Override
    public synchronized EtcdHealth check() {
        if (informer == null) {
            return EtcdHealth.unhealthy("the etcd check has not started");
        }
        return health(informer.getStore().list(), namespace);
    }

    /** The verdict for a list of etcd pods (pure, for tests). */
    static EtcdHealth health(List<Pod> pods, String namespace) {
        if (pods.isEmpty()) {
            return EtcdHealth.unhealthy("no pod labelled " + LABEL + "=" + VALUE + " in namespace " + namespace
                    + "; for an etcd outside the cluster's pods start the operator with --etcd-check none");
        }
        List<Pod> sorted = pods.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        for (Pod pod : sorted) {
            String name = namespace + "/" + pod.getMetadata().getName();
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (!"Running".equals(phase)) {
                return EtcdHealth.unhealthy("etcd pod " + name + " is " + (phase == null ? "without a phase" : phase)
                        + ", not Running");
            }
            boolean ready = pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                    .filter(c -> "Ready".equals(c.getType())).map(PodCondition::getStatus).anyMatch("True"::equals);
            if (!ready) {
                return EtcdHealth.unhealthy("etcd pod " + name + " is not Ready");
            }
        }
        return EtcdHealth.healthy(sorted.size() + " etcd pod(s) Running and Ready");
    }

    @Override
    public synchronized void close() {
        if (informer != null) {
            informer.close();
            informer = null;
        }
    }
}
