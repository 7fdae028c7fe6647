package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nkd.housekeeper.agent.drain.DrainRefusals;
import io.nkd.housekeeper.agent.drain.DrainResult;
import io.nkd.housekeeper.agent.drain.DrainTimeoutException;
import io.nkd.housekeeper.agent.drain.Drainer;
import io.nkd.housekeeper.agent.host.HostCommandException;
import io.nkd.housekeeper.agent.host.NodeHost;
import io.nkd.housekeeper.agent.rpmostree.RpmOstreeStatus;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.CommandRecord;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.KubeVersion;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The node agent: one per node (DaemonSet). It watches its own Node, reports what the host runs, and carries out the
 * operator's assignment step by step as housekeeper/CONTRACT.md describes: Cordoning → Draining → Staging → Rebooting
 * → UpgradingKubernetes → Verifying → Uncordoning → Done (or Failed).
 *
 * <p>All state that must survive a restart or the reboot lives on the Node, in the agent's own report (state,
 * assignment id, when the state was entered, whether the agent cordoned, the last host command) and on the host
 * (rpm-ostree's deployments). A new agent process re-enters the current step and looks at the host before acting: a
 * finished rebase is not redone, a finished kubeadm upgrade is not rerun.
 *
 * <p>Steps run on one thread. The informer only wakes that thread; a periodic resync wakes it too. A failed step
 * leaves the node cordoned and is not retried until the operator writes a new assignment (a new id).
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    /** The agent's version in its reports: the jar's Implementation-Version, "dev" when run from classes. */
    public static final String VERSION = Optional.ofNullable(NodeAgent.class.getPackage().getImplementationVersion())
            .orElse("dev");
    private static final Duration DEFAULT_RESYNC = Duration.ofMinutes(5);
    private static final Duration ERROR_BACKOFF_MAX = Duration.ofMinutes(1);
    /**
     * How long after {@code systemctl reboot} returned the agent waits for the host to go down before it fails the
     * node (a shutdown inhibitor, a stuck unit): the Node would otherwise stay Ready and Rebooting forever, which no
     * node-ready timeout of the operator catches.
     */
    public static final Duration REBOOT_WAIT = Duration.ofMinutes(15);

    private final KubernetesClient client;
    private final String nodeName;
    private final NodeHost host;
    private final Drainer drainer;
    private final CertificateRenewer certificates;
    private final Clock clock;
    private final NodeObjects nodes;
    private final Duration resync;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicReference<Node> latestNode = new AtomicReference<>();
    private final AtomicReference<NodeReport> report = new AtomicReference<>();
    /** Pods whose eviction a budget refuses now (while Draining), for the metric; 0 otherwise. */
    private final AtomicInteger drainBlockedPods = new AtomicInteger();

    private volatile Thread worker;
    private volatile SharedIndexInformer<Node> informer;
    private volatile boolean running;
    /** Set once this process has asked the host to reboot: it waits for the reboot, it never asks twice. */
    private volatile boolean rebootRequested;
    private volatile Instant rebootRequestedAt;
    private volatile Instant lastHostRead = Instant.EPOCH;

    public NodeAgent(KubernetesClient client, String nodeName, NodeHost host, Drainer drainer, Clock clock) {
        this(client, nodeName, host, drainer, clock, DEFAULT_RESYNC);
    }

    /** @param resync how often the agent looks at its Node and host without being woken by a change */
    public NodeAgent(KubernetesClient client, String nodeName, NodeHost host, Drainer drainer, Clock clock,
                     Duration resync) {
        this(client, nodeName, host, drainer, clock, resync, Sleeper.real());
    }

    /** @param sleeper how the certificate renewal waits between looks at a restarting static pod */
    public NodeAgent(KubernetesClient client, String nodeName, NodeHost host, Drainer drainer, Clock clock,
                     Duration resync, Sleeper sleeper) {
        this.client = Objects.requireNonNull(client, "client");
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the agent needs its node's name: set --node or the NODE_NAME "
                    + "environment variable (fieldRef spec.nodeName in the DaemonSet)");
        }
        this.nodeName = nodeName;
        this.host = Objects.requireNonNull(host, "host");
        this.drainer = Objects.requireNonNull(drainer, "drainer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.resync = Objects.requireNonNull(resync, "resync");
        this.nodes = new NodeObjects(client, nodeName);
        this.certificates = new CertificateRenewer(nodeName, host, nodes, Objects.requireNonNull(sleeper, "sleeper"),
                clock);
    }

    /** Convenience for production and the test harness: a drainer on the same client and clock. */
    public static NodeAgent create(KubernetesClient client, String nodeName, NodeHost host, Clock clock,
                                   Sleeper sleeper) {
        return new NodeAgent(client, nodeName, host, new Drainer(client, clock, sleeper), clock, DEFAULT_RESYNC,
                sleeper);
    }

    public String nodeName() {
        return nodeName;
    }

    /** The last report this agent wrote, or null before the first. */
    public NodeReport lastReport() {
        return report.get();
    }

    /** How many pods' evictions are refused now while the node drains (0 when not draining or nothing refuses). */
    public int drainBlockedPods() {
        return drainBlockedPods.get();
    }

    /** The worker thread runs (for /healthz). */
    public boolean healthy() {
        Thread t = worker;
        return running && t != null && t.isAlive();
    }

    /** Starts the watch on the Node and the worker thread; the first thing the worker does is write the report. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        informer = client.nodes().withField("metadata.name", nodeName).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                latestNode.set(node);
                wake.release();
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                latestNode.set(newNode);
                wake.release();
            }

            @Override
            public void onDelete(Node node, boolean deletedFinalStateUnknown) {
                latestNode.set(null);
                wake.release();
            }
        }, 0);
        Thread t = new Thread(this::loop, "housekeeper-agent-" + nodeName);
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    /**
     * Stops at once: closes the watch and interrupts the worker, wherever it is (a running host command is killed),
     * then closes the drainer it was given. Nothing on the Node or the host is cleaned up, as when the process dies:
     * the next agent continues from the Node and the host.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = worker;
            if (informer != null) {
                informer.close();
            }
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainer.close();
    }

    private void loop() {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try {
                reconcile();
                backoff = Duration.ofSeconds(1);
                if (wake.tryAcquire(resync.toMillis(), TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                } else {
                    lastHostRead = Instant.EPOCH; // the resync also refreshes what the host runs
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("node={} agent error, retrying in {}s: {}", nodeName, backoff.toSeconds(), e.toString());
                try {
                    wake.tryAcquire(backoff.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(ERROR_BACKOFF_MAX) > 0 ? ERROR_BACKOFF_MAX
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** One pass: read the Node, decide, run steps until one has to wait (reboot) or the assignment ends. */
    void reconcile() throws InterruptedException {
        Node node = nodes.get();
        if (node == null) {
            LOG.warn("node={} not found: the agent waits for its Node object", nodeName);
            return;
        }
        if (report.get() == null) {
            startReport(node);
        }
        if (rebootRequested) {
            rebootOverdue(node);
            return; // the host is going down; a new agent continues after the boot
        }
        // a certificate renewal (nkd's extension) runs between updates, never inside one
        certificates.reconcile(node, report.get().state().inProgress() || newAssignment(node, report.get()));
        Optional<NodeAssignment> assignment;
        try {
            assignment = ContractJson.assignment(node);
        } catch (ContractJson.ContractException e) {
            LOG.error("node={} {}", nodeName, e.getMessage());
            return;
        }
        NodeReport current = report.get();
        if (assignment.isEmpty()) {
            if (current.state() == AgentState.IDLE) {
                refreshIdle();
            } else {
                release(node, current);
            }
            return;
        }
        NodeAssignment a = assignment.get();
        AgentState from;
        if (a.id().equals(current.assignment())) {
            if (current.state() == AgentState.DONE || current.state() == AgentState.FAILED
                    || current.state() == AgentState.IDLE) {
                return; // finished with this assignment; a failure is retried only under a new id
            }
            from = current.state();
            LOG.info("update={} node={} step={} continuing assignment {}", a.update(), nodeName, step(from), a.id());
        } else {
            // a node the agent cordoned for an earlier attempt is still its own to uncordon
            boolean carried = current.cordonedByAgent() && NodeObjects.unschedulable(node);
            if (refused(a, current, carried)) {
                return;
            }
            LOG.info("update={} node={} new assignment {} (os={}, kube={}, kubeadm={}, revision={})", a.update(),
                    nodeName, a.id(), a.osImageURL(), a.kubeVersion(), a.kubeadmUpgrade(), a.revision());
            write(new NodeReport(current.booted(), current.staged(), current.rollback(), current.kubeletVersion(),
                    AgentState.CORDONING, a.id(), null, "starting " + describe(a), now(), carried,
                    current.lastCommand(), VERSION), false);
            from = AgentState.CORDONING;
        }
        run(a, from);
    }

    /** The node carries an assignment this agent has not started yet (it goes before a certificate renewal). */
    private static boolean newAssignment(Node node, NodeReport current) {
        try {
            return ContractJson.assignment(node).map(a -> !a.id().equals(current.assignment())).orElse(false);
        } catch (ContractJson.ContractException e) {
            return false;
        }
    }

    private void run(NodeAssignment a, AgentState from) throws InterruptedException {
        NodeReport at = report.get();
        if (refused(a, at, at.cordonedByAgent())) {
            return;
        }
        AgentState step = from;
        boolean first = true;
        while (step != null) {
            if (!first && !stillAssigned(a)) {
                LOG.info("update={} node={} step={} assignment {} withdrawn or replaced: stopping at this step "
                        + "boundary", a.update(), nodeName, step(step), a.id());
                wake.release();
                return;
            }
            first = false;
            LOG.info("update={} node={} step={}", a.update(), nodeName, step(step));
            try {
                step = switch (step) {
                    case CORDONING -> cordon(a);
                    case DRAINING -> drain(a);
                    case STAGING -> stage(a);
                    case REBOOTING -> reboot(a);
                    case UPGRADING_KUBERNETES -> upgradeKubernetes(a);
                    case VERIFYING -> verify(a);
                    case UNCORDONING -> uncordon(a);
                    case DONE, FAILED, IDLE -> null;
                };
            } catch (StepFailure f) {
                fail(a, f.reason(), f.getMessage());
                return;
            } catch (HostCommandException e) {
                fail(a, FailureReason.COMMAND_FAILED, "node " + nodeName + ": " + e.getMessage());
                return;
            }
        }
    }

    private AgentState cordon(NodeAssignment a) {
        Node node = nodes.get();
        NodeReport r = report.get();
        if (NodeObjects.unschedulable(node)) {
            if (!r.cordonedByAgent()) {
                LOG.info("update={} node={} step=Cordoning node was already cordoned: it stays cordoned after the "
                        + "update", a.update(), nodeName);
            }
            enter(AgentState.CORDONING, r.cordonedByAgent() ? "cordoned" : "already cordoned by someone else; "
                    + "left cordoned after the update", r.cordonedByAgent());
        } else {
            // the report says "cordoned by the agent" before the cordon, so that a restart in between still knows
            enter(AgentState.CORDONING, "cordoning", true);
            nodes.setUnschedulable(true);
        }
        return AgentState.DRAINING;
    }

    private AgentState drain(NodeAssignment a) throws StepFailure, InterruptedException {
        NodeReport before = report.get();
        // an earlier agent process's blocks of this same drain: a budget still refusing keeps its `since`
        List<DisruptionBudgetBlock> resumed = before.state() == AgentState.DRAINING
                && a.id().equals(before.assignment()) ? before.blockedBy() : List.of();
        String evicting = "draining: evicting pods (timeout " + a.drainTimeoutSeconds() + "s)";
        if (resumed.isEmpty()) {
            enter(AgentState.DRAINING, evicting, before.cordonedByAgent());
        } // else the report stays as it is until the first pass shows whether the same budgets still refuse
        // the timeout counts from when draining started, also across agent restarts
        Instant started = Instant.parse(report.get().since());
        Duration left = Duration.ofSeconds(a.drainTimeoutSeconds()).minus(Duration.between(started, clock.instant()));
        if (left.isNegative()) {
            left = Duration.ZERO;
        }
        try {
            DrainResult result = drainer.drain(nodeName, left, a.evictPodForce(), () -> !stillAssigned(a), resumed,
                    refusals -> showRefusals(a, refusals, evicting));
            if (result.cancelled()) {
                return AgentState.STAGING; // the step boundary check stops the run
            }
            LOG.info("update={} node={} step=Draining drained: {} evicted, {} deleted without eviction, {} left",
                    a.update(), nodeName, result.evicted().size(), result.forceDeleted().size(), result.skipped().size());
        } catch (DrainTimeoutException e) {
            throw new StepFailure(FailureReason.DRAIN_TIMEOUT, e.getMessage());
        } finally {
            drainBlockedPods.set(0);
        }
        return AgentState.STAGING;
    }

    /**
     * The drainer's refusals after its first pass, then whenever they changed (never on a mere retry): the report names
     * the budgets while they refuse, and goes back to {@code evicting} once none does. The next step's report drops
     * them too. An unchanged report (nothing refused at first, or an agent restarted mid-drain whose predecessor
     * reported the same refusals) is not written again.
     */
    private void showRefusals(NodeAssignment a, DrainRefusals refusals, String evicting) {
        NodeReport r = report.get();
        String message = refusals.none() ? evicting : refusals.describe();
        drainBlockedPods.set(refusals.refusedPods()); // before the report: whoever sees the report sees the count
        NodeReport n = new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), AgentState.DRAINING,
                r.assignment(), null, message, refusals.blocks(), r.since(), r.cordonedByAgent(), r.lastCommand(),
                VERSION);
        if (n.equals(r)) {
            return;
        }
        write(n, false);
        if (refusals.none()) {
            LOG.info("update={} node={} step=Draining no PodDisruptionBudget refuses evictions any more", a.update(),
                    nodeName);
        } else {
            LOG.info("update={} node={} step=Draining {}", a.update(), nodeName, message);
        }
    }

    private AgentState stage(NodeAssignment a) throws StepFailure, HostCommandException, InterruptedException {
        if (blank(a.osImageURL())) {
            return AgentState.UPGRADING_KUBERNETES;
        }
        enter(AgentState.STAGING, "staging " + a.osImageURL(), report.get().cordonedByAgent());
        ImageReference target = ImageReference.parse(a.osImageURL());
        RpmOstreeStatus st = readOs();
        if (st.changePending() && target.matches(st.nextBoot())) {
            LOG.info("update={} node={} step=Staging {} is already the next boot: nothing to stage", a.update(),
                    nodeName, st.nextBoot().describe());
            return AgentState.REBOOTING;
        }
        if (target.matches(st.booted())) {
            if (st.changePending()) {
                // another deployment would boot next (an earlier target): cancel it so the node stays on the target
                LOG.info("update={} node={} step=Staging the node boots the target; dropping the pending {}",
                        a.update(), nodeName, st.nextBoot().describe());
                if (st.staged() != null) {
                    host.cleanupPending();
                } else {
                    host.rollback();
                }
                publishHost(readOs(), null);
            }
            return AgentState.UPGRADING_KUBERNETES;
        }
        if (st.rollback() != null && target.matches(st.rollback())) {
            LOG.info("update={} node={} step=Staging the target is the rollback deployment {}: rpm-ostree rollback",
                    a.update(), nodeName, st.rollback().describe());
            host.rollback();
        } else {
            host.rebase(a.osImageURL());
        }
        st = readOs();
        if (!(st.changePending() && target.matches(st.nextBoot()))) {
            throw new StepFailure(FailureReason.COMMAND_FAILED, "node " + nodeName + ": after staging "
                    + a.osImageURL() + " the next boot is " + st.nextBoot().describe()
                    + ", not the target; see rpm-ostree status on the node");
        }
        return AgentState.REBOOTING;
    }

    private AgentState reboot(NodeAssignment a) throws StepFailure, HostCommandException, InterruptedException {
        if (blank(a.osImageURL())) {
            return AgentState.UPGRADING_KUBERNETES;
        }
        ImageReference target = ImageReference.parse(a.osImageURL());
        RpmOstreeStatus st = readOs();
        if (target.matches(st.booted()) && !st.changePending()) {
            LOG.info("update={} node={} step=Rebooting booted {}", a.update(), nodeName, st.booted().describe());
            return AgentState.UPGRADING_KUBERNETES;
        }
        if (!(st.changePending() && target.matches(st.nextBoot()))) {
            throw new StepFailure(FailureReason.VERIFICATION_FAILED, "node " + nodeName + " booted "
                    + st.booted().describe() + ", not the target " + a.osImageURL() + ", and the target is no longer "
                    + "staged (next boot: " + st.nextBoot().describe() + "); check the boot log of the node "
                    + "(a failed boot falls back to the previous deployment)");
        }
        // written before the reboot: afterwards this process is gone and the operator sees why the node is NotReady
        enter(AgentState.REBOOTING, "rebooting into " + st.nextBoot().describe(), report.get().cordonedByAgent());
        rebootRequestedAt = clock.instant();
        rebootRequested = true;
        host.reboot();
        LOG.info("update={} node={} step=Rebooting reboot requested; the agent continues after the boot",
                a.update(), nodeName);
        return null;
    }

    private AgentState upgradeKubernetes(NodeAssignment a)
            throws StepFailure, HostCommandException, InterruptedException {
        if (blank(a.kubeVersion()) || a.kubeadmUpgrade() == null || a.kubeadmUpgrade() == KubeadmUpgrade.NONE) {
            return AgentState.VERIFYING;
        }
        KubeVersion target = KubeVersion.parse(a.kubeVersion());
        List<String> upgrade = a.kubeadmUpgrade() == KubeadmUpgrade.APPLY
                ? NodeHost.kubeadmUpgradeApplyCommand(target) : NodeHost.kubeadmUpgradeNodeCommand();
        NodeReport r = report.get();
        boolean resumed = r.state() == AgentState.UPGRADING_KUBERNETES && a.id().equals(r.assignment());
        CommandRecord last = r.lastCommand();
        boolean lastOk = resumed && last != null && Integer.valueOf(0).equals(last.exitCode());
        if (lastOk && last.argv().equals(NodeHost.kubeletRestartCommands().get(1))) {
            return AgentState.VERIFYING; // done before a restart of the agent
        }
        enter(AgentState.UPGRADING_KUBERNETES, "upgrading Kubernetes to " + target + " (" + String.join(" ", upgrade)
                + ")", r.cordonedByAgent());
        boolean upgraded = lastOk && (last.argv().equals(upgrade)
                || last.argv().equals(NodeHost.kubeletRestartCommands().get(0)));
        if (!upgraded) {
            KubeVersion kubeadm = host.kubeadmVersion();
            if (!kubeadm.equals(target)) {
                throw new StepFailure(FailureReason.UNSUPPORTED_TARGET, "node " + nodeName + ": kubeadm on the host is "
                        + kubeadm + " but the Update asks for Kubernetes " + target + ": the OS image must carry kubeadm "
                        + target + " (set osImageURL to an image built with kubeadm " + target + ")");
            }
            KubeVersion kubelet = host.kubeletVersion();
            if (target.compareTo(kubelet) < 0 || target.skipsMinorFrom(kubelet)) {
                throw new StepFailure(FailureReason.UNSUPPORTED_TARGET, "node " + nodeName + ": the kubelet is "
                        + kubelet + " and kubeadm upgrades one minor version at a time, never down: " + target
                        + " cannot be applied; go through each minor version in turn");
            }
            if (a.kubeadmUpgrade() == KubeadmUpgrade.APPLY) {
                host.kubeadmUpgradeApply(target);
            } else {
                host.kubeadmUpgradeNode();
            }
            // recorded so that a restarted agent does not run the upgrade again
            write(withCommand(report.get()), false);
        } else {
            LOG.info("update={} node={} step=UpgradingKubernetes '{}' already succeeded: only the kubelet restart "
                    + "is left", a.update(), nodeName, String.join(" ", upgrade));
        }
        host.restartKubelet();
        write(withCommand(report.get()), false);
        return AgentState.VERIFYING;
    }

    private AgentState verify(NodeAssignment a) throws StepFailure, HostCommandException, InterruptedException {
        enter(AgentState.VERIFYING, "verifying the booted image and the kubelet version", report.get().cordonedByAgent());
        RpmOstreeStatus st = host.osStatus();
        KubeVersion kubelet = host.kubeletVersion();
        publishHost(st, kubelet);
        if (!blank(a.osImageURL()) && !ImageReference.parse(a.osImageURL()).matches(st.booted())) {
            throw new StepFailure(FailureReason.VERIFICATION_FAILED, "node " + nodeName + " boots "
                    + st.booted().describe() + ", not the target " + a.osImageURL());
        }
        if (!blank(a.kubeVersion()) && !KubeVersion.parse(a.kubeVersion()).equals(kubelet)) {
            throw new StepFailure(FailureReason.VERIFICATION_FAILED, "node " + nodeName + ": the kubelet is " + kubelet
                    + ", not the target " + KubeVersion.parse(a.kubeVersion())
                    + (a.kubeadmUpgrade() == KubeadmUpgrade.NONE ? " (the assignment asked for no kubeadm upgrade)"
                    : ""));
        }
        return AgentState.UNCORDONING;
    }

    private AgentState uncordon(NodeAssignment a) {
        boolean mine = report.get().cordonedByAgent();
        enter(AgentState.UNCORDONING, mine ? "uncordoning" : "leaving the node cordoned: it was cordoned before "
                + "the update", mine);
        if (mine) {
            nodes.setUnschedulable(false);
        }
        NodeReport r = report.get();
        write(new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), AgentState.DONE,
                a.id(), null, "done: " + describe(a), now(), false, r.lastCommand(), VERSION), true);
        LOG.info("update={} node={} step=Done {}", a.update(), nodeName, describe(a));
        return null;
    }

    /**
     * An assignment whose target is no image reference or no Kubernetes version (the operator never writes one; a hand
     * edit or a forged annotation may): failed at once, before the node is cordoned, rather than an error loop on a
     * drained node. The image also goes onto rpm-ostree's command line, so it is checked as strictly as the operator
     * checks an Update's osImageURL.
     */
    private boolean refused(NodeAssignment a, NodeReport r, boolean cordonedByAgent) {
        String why = null;
        try {
            if (!blank(a.osImageURL())) {
                ImageReference.parseTarget(a.osImageURL());
            }
            if (!blank(a.kubeVersion())) {
                KubeVersion.parse(a.kubeVersion());
            }
        } catch (IllegalArgumentException e) {
            // the message quotes the value: bounded, as the report annotation is
            why = e.getMessage().length() > 400 ? e.getMessage().substring(0, 400) + "…" : e.getMessage();
        }
        if (why == null) {
            return false;
        }
        String message = "node " + nodeName + ": assignment " + a.id() + " of Update " + a.update()
                + " cannot be carried out: " + why + "; fix the Update (or remove the annotation "
                + NodeKeys.ASSIGNMENT_ANNOTATION + " if no operator wrote it)";
        LOG.error("update={} node={} refused: {}", a.update(), nodeName, message);
        write(new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), AgentState.FAILED, a.id(),
                FailureReason.UNSUPPORTED_TARGET, message, now(), cordonedByAgent, r.lastCommand(), VERSION), false);
        return true;
    }

    private void fail(NodeAssignment a, FailureReason reason, String message) {
        NodeReport r = report.get();
        LOG.error("update={} node={} step={} failed ({}): {}", a.update(), nodeName, step(r.state()), reason, message);
        write(new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), AgentState.FAILED, a.id(),
                reason, step(r.state()) + " failed: " + message, now(), r.cordonedByAgent(),
                host.lastCommand().orElse(r.lastCommand()), VERSION), false);
    }

    /** Still up {@link #REBOOT_WAIT} after asking for the reboot: the reboot did not happen; fail the node. */
    private void rebootOverdue(Node node) {
        if (Duration.between(rebootRequestedAt, clock.instant()).compareTo(REBOOT_WAIT) < 0) {
            return;
        }
        rebootRequested = false;
        Optional<NodeAssignment> a = ContractJson.assignment(node);
        if (a.isPresent() && a.get().id().equals(report.get().assignment())) {
            fail(a.get(), FailureReason.COMMAND_FAILED, "node " + nodeName + ": 'systemctl reboot' succeeded at "
                    + rebootRequestedAt + " but the node is still up " + REBOOT_WAIT.toMinutes() + " minutes later; "
                    + "look for shutdown inhibitors (systemd-inhibit --list) and the journal of the node");
        }
    }

    /** The assignment is gone: uncordon if the agent cordoned, and go idle. */
    private void release(Node node, NodeReport r) {
        boolean uncordon = r.cordonedByAgent() && NodeObjects.unschedulable(node);
        if (uncordon) {
            nodes.setUnschedulable(false);
        }
        String why = r.state() == AgentState.DONE ? "idle: the operator released the node after its update"
                : "idle: the assignment was removed while " + step(r.state()) + (uncordon ? "; uncordoned" : "");
        LOG.info("node={} {} (assignment {})", nodeName, why, r.assignment());
        write(new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), AgentState.IDLE, null, null,
                why, now(), false, r.lastCommand(), VERSION), false);
    }

    /** First report of this process: what the host runs, and the state the previous agent left. */
    private void startReport(Node node) throws InterruptedException {
        NodeReport previous;
        try {
            previous = ContractJson.report(node).orElse(null);
        } catch (ContractJson.ContractException e) {
            LOG.warn("node={} {}; starting from Idle", nodeName, e.getMessage());
            previous = null;
        }
        NodeReport base = previous != null ? previous
                : new NodeReport(null, null, null, null, AgentState.IDLE, null, null, "agent started", now(), false,
                null, VERSION);
        report.set(new NodeReport(base.booted(), base.staged(), base.rollback(), base.kubeletVersion(), base.state(),
                base.assignment(), base.failureReason(), base.message(), base.blockedBy(), base.since(),
                base.cordonedByAgent(), base.lastCommand(), VERSION));
        LOG.info("node={} agent {} started; previous state {} (assignment {})", nodeName, VERSION, step(base.state()),
                base.assignment());
        readHostAndPublish(true);
    }

    private void refreshIdle() throws InterruptedException {
        if (Duration.between(lastHostRead, clock.instant()).compareTo(resync) >= 0) {
            readHostAndPublish(false);
        }
    }

    private void readHostAndPublish(boolean always) throws InterruptedException {
        NodeReport before = report.get();
        try {
            RpmOstreeStatus st = host.osStatus();
            KubeVersion kubelet = host.kubeletVersion();
            lastHostRead = clock.instant();
            updateHostFacts(st, kubelet);
        } catch (HostCommandException e) {
            LOG.error("node={} cannot read the host: {}", nodeName, e.getMessage());
            NodeReport r = report.get();
            report.set(new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), r.state(),
                    r.assignment(), r.failureReason(), "cannot read the host: " + e.getMessage(), r.blockedBy(),
                    r.since(), r.cordonedByAgent(), host.lastCommand().orElse(r.lastCommand()), VERSION));
        }
        if (always || !report.get().equals(before)) {
            write(report.get(), false);
        }
    }

    private RpmOstreeStatus readOs() throws HostCommandException, InterruptedException {
        RpmOstreeStatus st = host.osStatus();
        publishHost(st, null);
        return st;
    }

    /** Puts the host's facts into the report and writes it when they changed. */
    private void publishHost(RpmOstreeStatus st, KubeVersion kubelet) {
        if (updateHostFacts(st, kubelet)) {
            write(report.get(), false);
        }
    }

    /** Puts the host's facts into the in-memory report; true if they changed. */
    private boolean updateHostFacts(RpmOstreeStatus st, KubeVersion kubelet) {
        NodeReport r = report.get();
        NodeReport n = new NodeReport(st.booted(), st.staged(), st.rollback(),
                kubelet == null ? r.kubeletVersion() : kubelet.toString(), r.state(), r.assignment(),
                r.failureReason(), r.message(), r.blockedBy(), r.since(), r.cordonedByAgent(), r.lastCommand(),
                VERSION);
        report.set(n);
        return !n.equals(r);
    }

    /**
     * Enters a state (a new `since` only if the state changes) and writes the report if anything changed. Blocking
     * budgets are the drain's to report: entering a state (Draining again included) starts without them.
     */
    private void enter(AgentState state, String message, boolean cordonedByAgent) {
        NodeReport r = report.get();
        String since = state == r.state() ? r.since() : now();
        NodeReport n = new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), state, r.assignment(),
                null, message, since, cordonedByAgent, host.lastCommand().orElse(r.lastCommand()), VERSION);
        if (!n.equals(r)) {
            write(n, false);
        }
    }

    private NodeReport withCommand(NodeReport r) {
        return new NodeReport(r.booted(), r.staged(), r.rollback(), r.kubeletVersion(), r.state(), r.assignment(),
                r.failureReason(), r.message(), r.blockedBy(), r.since(), r.cordonedByAgent(),
                host.lastCommand().orElse(r.lastCommand()), VERSION);
    }

    private void write(NodeReport r, boolean completedLabel) {
        nodes.writeReport(r, completedLabel);
        report.set(r);
    }

    /**
     * Checked between steps and between drain attempts. The watch's latest Node answers "still assigned" without a
     * request; a "no" is confirmed with a read, since the watch may lag behind the read that started the run.
     */
    private boolean stillAssigned(NodeAssignment a) {
        Node watched = latestNode.get();
        if (watched != null && assignedTo(watched, a)) {
            return true;
        }
        Node node = nodes.get();
        return node != null && assignedTo(node, a);
    }

    private static boolean assignedTo(Node node, NodeAssignment a) {
        try {
            return ContractJson.assignment(node).map(x -> x.id().equals(a.id())).orElse(false);
        } catch (ContractJson.ContractException e) {
            return true; // unreadable is not withdrawn; the reconcile logs it
        }
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The state as the contract writes it ("Rebooting"), for logs and messages. */
    private static String step(AgentState state) {
        return ContractJson.write(state).replace("\"", "");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String describe(NodeAssignment a) {
        StringBuilder b = new StringBuilder();
        if (!blank(a.osImageURL())) {
            b.append("OS ").append(a.osImageURL());
        }
        if (!blank(a.kubeVersion())) {
            b.append(b.isEmpty() ? "" : ", ").append("Kubernetes ").append(a.kubeVersion());
        }
        return b.append(" for ").append(a.update()).toString();
    }
}
