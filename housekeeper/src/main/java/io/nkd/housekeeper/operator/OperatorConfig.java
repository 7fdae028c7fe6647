package io.nkd.housekeeper.operator;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How one operator process runs.
 *
 * @param namespace        where its Updates, its Lease and its Events are
 * @param leaseName        the coordination.k8s.io/v1 Lease of the leader election
 * @param identity         this replica's name in the Lease (the pod name)
 * @param nodeReadyTimeout how long a node may stay NotReady after its agent reported Rebooting/UpgradingKubernetes
 * @param resync           the periodic reconcile, only for timeouts (everything else is event-driven)
 * @param etcdCheck        how etcd's health is learnt
 * @param etcdNamespace    where the etcd pods are (kube-system)
 * @param metricsPort      the port of /metrics and /healthz; 0 picks a free one, -1 serves none
 * @param lease            the leader election's timing
 * @param nodeSelector     the labels of the Nodes this operator manages; empty: every Node of the cluster
 */
public record OperatorConfig(String namespace, String leaseName, String identity, Duration nodeReadyTimeout,
                             Duration resync, EtcdCheckMode etcdCheck, String etcdNamespace, int metricsPort,
                             LeaseTiming lease, Map<String, String> nodeSelector) {
    public static final String DEFAULT_NAMESPACE = "housekeeper-system";
    public static final String DEFAULT_LEASE = "housekeeper-operator";

    public OperatorConfig {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(leaseName, "leaseName");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(nodeReadyTimeout, "nodeReadyTimeout");
        Objects.requireNonNull(resync, "resync");
        Objects.requireNonNull(etcdCheck, "etcdCheck");
        Objects.requireNonNull(etcdNamespace, "etcdNamespace");
        Objects.requireNonNull(lease, "lease");
        nodeSelector = Map.copyOf(nodeSelector);
        if (resync.isZero() || resync.isNegative()) {
            throw new IllegalArgumentException("--resync must be positive, not " + resync);
        }
    }

    /** The defaults of {@code housekeeper operator} for a namespace and an identity. */
    public static OperatorConfig defaults(String namespace, String identity) {
        return new OperatorConfig(namespace, DEFAULT_LEASE, identity, Duration.ofMinutes(15), Duration.ofSeconds(30),
                EtcdCheckMode.PODS, "kube-system", 8080, LeaseTiming.DEFAULT, Map.of());
    }

    public OperatorConfig withEtcdCheck(EtcdCheckMode mode, String etcdNamespace) {
        return new OperatorConfig(namespace, leaseName, identity, nodeReadyTimeout, resync, mode, etcdNamespace,
                metricsPort, lease, nodeSelector);
    }

    public OperatorConfig withMetricsPort(int port) {
        return new OperatorConfig(namespace, leaseName, identity, nodeReadyTimeout, resync, etcdCheck, etcdNamespace,
                port, lease, nodeSelector);
    }

    public OperatorConfig withLease(String name, LeaseTiming timing) {
        return new OperatorConfig(namespace, name, identity, nodeReadyTimeout, resync, etcdCheck, etcdNamespace,
                metricsPort, timing, nodeSelector);
    }

    public OperatorConfig withTimeouts(Duration nodeReadyTimeout, Duration resync) {
        return new OperatorConfig(namespace, leaseName, identity, nodeReadyTimeout, resync, etcdCheck, etcdNamespace,
                metricsPort, lease, nodeSelector);
    }

    public OperatorConfig withNodeSelector(Map<String, String> selector) {
        return new OperatorConfig(namespace, leaseName, identity, nodeReadyTimeout, resync, etcdCheck, etcdNamespace,
                metricsPort, lease, selector);
    }

    /**
     * The leader election's timing, as client-go's defaults: a leader that cannot renew within {@code renewDeadline}
     * stops; another takes over once {@code duration} has passed since the last renewal.
     */
    public record LeaseTiming(Duration duration, Duration renewDeadline, Duration retryPeriod) {
        public static final LeaseTiming DEFAULT = new LeaseTiming(Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
    }
}
