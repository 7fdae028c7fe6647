package io.nkd.reconcile;

import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.config.NodePool;
import io.nkd.config.Topology;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.status.KubernetesStatus;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * After the machines: the API server's readiness (GET /readyz as nkd's admin) and the Node objects of the nodes Git
 * asks for; fills observed and kubeNodes. Asks only once a control-plane machine exists (before, nothing can
 * answer). Never blocks beyond one bounded request and never fails the reconcile: an API that is not up yet, or
 * Nodes that cannot be read, are facts for the status, and the reconciler comes back within seconds.
 */
record ObserveCluster(Collaborators c, Clock clock) implements Step {
    ObserveCluster(Collaborators c) {
        this(c, Clock.systemUTC());
    }

    @Override
    public String name() {
        return "ObserveCluster";
    }

    @Override
    public boolean run(Scope s) {
        if (s.workload == null) {
            return true;
        }
        List<Topology.PlannedNode> planned = Topology.nodes(s.cluster, s.loaded.spec());
        Set<String> controlPlanePools = s.loaded.spec().pools().stream().filter(p -> p.role() == NodePool.Role.CONTROL_PLANE)
                .map(NodePool::name).collect(Collectors.toSet());
        boolean controlPlaneMachine = s.machines.stream().map(ProvisionedMachine::pool).anyMatch(controlPlanePools::contains);
        String endpoint = endpoint(s);
        if (!controlPlaneMachine) {
            s.observed = new KubernetesStatus(false, "no control-plane machine exists yet", endpoint, planned.size(), 0, 0,
                    clock.instant());
            return true;
        }
        ApiReadiness readiness = s.workload.readiness();
        if (!readiness.ready()) {
            s.observed = new KubernetesStatus(false, readiness.message(), endpoint, planned.size(), 0, 0, clock.instant());
            return true;
        }
        // what kubeadm issued on the nodes, seen from outside: the serving certificate of whichever API server answered
        s.servingCertificateExpiry = s.workload.servingCertificateExpiry().orElse(null);
        Map<String, ClusterNode> nodes = new LinkedHashMap<>();
        try {
            for (ClusterNode n : s.workload.nodes()) {
                nodes.put(n.name(), n);
            }
        } catch (ClusterApiException e) {
            s.observed = new KubernetesStatus(true, e.getMessage(), endpoint, planned.size(), 0, 0, clock.instant());
            return true;
        }
        s.kubeNodes = Map.copyOf(nodes);
        int joined = 0;
        int ready = 0;
        for (Topology.PlannedNode p : planned) {
            ClusterNode n = nodes.get(p.name());
            if (n != null) {
                joined++;
                if (n.ready()) {
                    ready++;
                }
            }
        }
        s.observed = new KubernetesStatus(true, null, endpoint, planned.size(), joined, ready, clock.instant());
        return true;
    }

    /** The endpoint nkd asks: the control-plane endpoint, as the admin kubeconfig names it (IPv6 in brackets). */
    private static String endpoint(Scope s) {
        return "https://" + io.nkd.config.Endpoint.parse(s.loaded.spec().kubernetes().controlPlaneEndpoint());
    }
}
