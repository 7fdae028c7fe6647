package io.nkd.e2e;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.OsDeployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Housekeeper's node agents, simulated on the hosts of {@link SimulatedKubelets} and speaking only the contract of
 * housekeeper/CONTRACT.md through the cluster's real API server: each agent reports its host (booted and rollback
 * deployments, kubelet version), and takes an assignment of the real operator through the agent's steps, one step per
 * tick (cordon, drain, stage with {@code rpm-ostree rebase} — or {@code rollback} when the target is the rollback
 * deployment —, reboot, kubeadm upgrade when the version changes, verify, uncordon, done). The test can see every
 * intermediate state in the Update's status and in nkd's.
 *
 * <p>Certificate renewals (nkd's extension of the contract): a control-plane node given a renewal assignment reports
 * Renewing for one tick ({@code kubeadm certs renew all} and its static pod restarts), then Renewed with every kubeadm
 * certificate valid one year from then, as kubeadm renews them.
 */
final class SimulatedAgents implements AutoCloseable {
    /** One simulated host: what rpm-ostree and kubelet would say. */
    record Host(String booted, String rollback, String kubelet) {
    }

    private final KubernetesClient client;
    private final SimulatedKubelets kubelets;
    private final String initialImage;
    private final String initialKubelet;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    /** Nodes in the order their agents first saw an assignment (the operator's order), once per target. */
    private final List<String> assigned = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Each staging: "node rebase IMAGE" or "node rollback IMAGE". */
    private final List<String> stagings = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Each node's renewals, in the order they started ("node request"). */
    private final List<String> renewals = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The most control-plane nodes renewing at one time. */
    private volatile int mostRenewingAtOnce;
    /** The most worker nodes that were between cordon and done at one time. */
    private volatile int mostWorkersAtOnce;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "simulated-agents");
        t.setDaemon(true);
        return t;
    });

    SimulatedAgents(SimulatedKubelets kubelets, String initialImage, String initialKubelet) {
        this.kubelets = kubelets;
        this.client = kubelets.api().client();
        this.initialImage = initialImage;
        this.initialKubelet = initialKubelet;
    }

    SimulatedAgents start() {
        loop.scheduleWithFixedDelay(this::tickQuietly, 0, 250, TimeUnit.MILLISECONDS);
        return this;
    }

    List<String> assigned() {
        synchronized (assigned) {
            return List.copyOf(assigned);
        }
    }

    void clearAssigned() {
        assigned.clear();
    }

    List<String> stagings() {
        synchronized (stagings) {
            return List.copyOf(stagings);
        }
    }

    int mostWorkersAtOnce() {
        return mostWorkersAtOnce;
    }

    List<String> renewals() {
        synchronized (renewals) {
            return List.copyOf(renewals);
        }
    }

    int mostRenewingAtOnce() {
        return mostRenewingAtOnce;
    }

    Host host(String node) {
        return hosts.get(node);
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // a conflict with the operator's own patch, a node deleted meanwhile: the next tick looks again
        }
    }

    private void tick() {
        int workersBusy = 0;
        int renewing = 0;
        for (Node node : client.nodes().list().getItems()) {
            String name = node.getMetadata().getName();
            if (renew(node)) {
                renewing++;
            }
            Host host = hosts.computeIfAbsent(name, n -> new Host(initialImage, null, initialKubelet));
            Optional<NodeAssignment> assignment = read(() -> ContractJson.assignment(node));
            Optional<NodeReport> report = read(() -> ContractJson.report(node));
            boolean worker = !node.getMetadata().getLabels().containsKey(NodeKeys.CONTROL_PLANE_LABEL);
            if (assignment.isEmpty()) {
                if (report.isEmpty() || report.get().state() != AgentState.IDLE && report.get().state() != AgentState.DONE) {
                    write(name, host, AgentState.IDLE, null, "no assignment", false);
                }
                continue;
            }
            NodeAssignment a = assignment.get();
            boolean current = report.isPresent() && a.id().equals(report.get().assignment());
            AgentState state = current ? report.get().state() : AgentState.IDLE;
            if (state == AgentState.DONE || state == AgentState.FAILED) {
                continue;
            }
            if (!current) {
                assigned.add(name);
            }
            if (worker) {
                workersBusy++;
            }
            host = step(name, host, a, state);
            hosts.put(name, host);
        }
        mostWorkersAtOnce = Math.max(mostWorkersAtOnce, workersBusy);
        mostRenewingAtOnce = Math.max(mostRenewingAtOnce, renewing);
    }

    /** One step of a certificate renewal; true while the node renews. */
    private boolean renew(Node node) {
        String name = node.getMetadata().getName();
        Optional<io.nkd.housekeeper.api.CertificateRenewalAssignment> a = read(() -> ContractJson.certificateRenewal(node));
        Optional<io.nkd.housekeeper.api.CertificateRenewalReport> r = read(() -> ContractJson.certificateReport(node));
        if (a.isEmpty() || r.isPresent() && r.get().finished(a.get().request())) {
            return false;
        }
        String request = a.get().request();
        String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        io.nkd.housekeeper.api.CertificateRenewalReport next;
        if (r.isEmpty() || !request.equals(r.get().request())) {
            renewals.add(name + " " + request);
            next = new io.nkd.housekeeper.api.CertificateRenewalReport(request,
                    io.nkd.housekeeper.api.CertificateRenewalState.RENEWING, "kubeadm certs renew all", now, null, null, null);
        } else {
            String until = Instant.now().plus(java.time.Duration.ofDays(365)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
                    .toString();
            List<io.nkd.housekeeper.api.CertificateExpiry> certs = List.of("admin.conf", "apiserver", "apiserver-etcd-client",
                    "apiserver-kubelet-client", "controller-manager.conf", "etcd-healthcheck-client", "etcd-peer", "etcd-server",
                    "front-proxy-client", "scheduler.conf").stream()
                    .map(c -> new io.nkd.housekeeper.api.CertificateExpiry(c, until)).toList();
            next = new io.nkd.housekeeper.api.CertificateRenewalReport(request,
                    io.nkd.housekeeper.api.CertificateRenewalState.RENEWED, "renewed 10 certificates", now, until, certs, null);
        }
        String json = ContractJson.write(next);
        client.nodes().withName(name).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editMetadata()
                .addToAnnotations(NodeKeys.CERTIFICATE_REPORT_ANNOTATION, json).endMetadata().build());
        return next.state() == io.nkd.housekeeper.api.CertificateRenewalState.RENEWING;
    }

    /** One step of the agent for an assignment, from the state it reported last. */
    private Host step(String name, Host host, NodeAssignment a, AgentState state) {
        String target = a.osImageURL() == null ? host.booted() : a.osImageURL();
        String kubelet = a.kubeVersion() == null ? host.kubelet() : a.kubeVersion();
        switch (state) {
            case IDLE -> {
                client.nodes().withName(name).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editOrNewSpec()
                        .withUnschedulable(true).endSpec().build());
                write(name, host, AgentState.CORDONING, a.id(), "cordoned", true);
            }
            case CORDONING -> write(name, host, AgentState.DRAINING, a.id(), "no pods to evict", true);
            case DRAINING -> {
                boolean rollback = target.equals(host.rollback());
                stagings.add(name + (rollback ? " rollback " : " rebase ") + target);
                write(name, host, AgentState.STAGING, a.id(), (rollback ? "rpm-ostree rollback to " : "rpm-ostree rebase to ") + target, true);
            }
            case STAGING -> {
                write(name, host, AgentState.REBOOTING, a.id(), "rebooting into " + target, true);
                kubelets.notReady(name, "KubeletNotReady", "node is rebooting");
            }
            case REBOOTING -> {
                // after the boot: the host runs the staged deployment; the previous one is the rollback
                Host booted = target.equals(host.booted()) ? host : new Host(target, host.booted(), host.kubelet());
                kubelets.runs(name, booted.kubelet(), SimulatedKubelets.OS_IMAGE);
                kubelets.ready(name);
                AgentState next = kubelet.equals(booted.kubelet()) ? AgentState.VERIFYING : AgentState.UPGRADING_KUBERNETES;
                write(name, booted, next, a.id(), "booted " + target, true);
                return booted;
            }
            case UPGRADING_KUBERNETES -> {
                Host upgraded = new Host(host.booted(), host.rollback(), kubelet);
                kubelets.runs(name, kubelet, SimulatedKubelets.OS_IMAGE);
                kubelets.ready(name);
                write(name, upgraded, AgentState.VERIFYING, a.id(), "kubeadm upgrade " + a.kubeadmUpgrade(), true);
                return upgraded;
            }
            case VERIFYING -> {
                client.nodes().withName(name).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editOrNewSpec()
                        .withUnschedulable(false).endSpec().build());
                write(name, host, AgentState.UNCORDONING, a.id(), "uncordoned", true);
            }
            case UNCORDONING -> {
                write(name, host, AgentState.DONE, a.id(), "at the target", true);
                client.nodes().withName(name).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editMetadata()
                        .addToLabels(NodeKeys.UPGRADE_COMPLETED_LABEL, "").endMetadata().build());
            }
            default -> {
            }
        }
        return host;
    }

    private void write(String name, Host host, AgentState state, String assignment, String message, boolean cordoned) {
        NodeReport report = new NodeReport(deployment(host.booted()), null, deployment(host.rollback()), host.kubelet(), state,
                assignment, null, message, Instant.now().toString(), cordoned, null, "e2e-simulated");
        String json = ContractJson.write(report);
        client.nodes().withName(name).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n).editMetadata()
                .addToAnnotations(NodeKeys.REPORT_ANNOTATION, json).endMetadata().build());
    }

    private static OsDeployment deployment(String image) {
        if (image == null) {
            return null;
        }
        int at = image.indexOf('@');
        return new OsDeployment(image, at < 0 ? null : image.substring(at + 1), null, null);
    }

    private static <T> Optional<T> read(java.util.function.Supplier<Optional<T>> read) {
        try {
            return read.get();
        } catch (ContractJson.ContractException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }
}
