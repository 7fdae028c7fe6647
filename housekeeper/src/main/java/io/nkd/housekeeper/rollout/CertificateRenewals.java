package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Node;
import io.nkd.housekeeper.api.CertificateRenewalAssignment;
import io.nkd.housekeeper.api.CertificateRenewalNode;
import io.nkd.housekeeper.api.CertificateRenewalPhase;
import io.nkd.housekeeper.api.CertificateRenewalReport;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.CertificateRenewalStatus;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateStatus;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Plans an Update's certificate renewal request ({@code spec.certificateRenewal}, nkd's extension of the contract):
 * the control-plane nodes renew one at a time, in name order, each only while etcd is healthy and no control-plane
 * node is in (or about to enter) an OS or Kubernetes update. Pure: reads only its arguments.
 *
 * <p>The two interleave without either waiting forever: a rollout that has control-plane nodes to move goes first (its
 * {@code kubeadm upgrade} renews those certificates too); while one node renews, the rollout starts no control-plane
 * node (the operator passes the rollout planner an etcd health that says so) but goes on with workers. A renewal takes
 * minutes and is bounded by {@link #RENEWAL_TIMEOUT}; a halted (Degraded) or paused rollout does not hold it.
 */
public final class CertificateRenewals {
    /**
     * A node that has reported Renewing for this long without finishing counts as failed: the agent is gone or stuck.
     * The agent's own bounds (kubeadm, each static pod's stop and start, /readyz) add up to well under it.
     */
    public static final Duration RENEWAL_TIMEOUT = Duration.ofMinutes(30);

    private CertificateRenewals() {
    }

    /**
     * What of a Node the renewal needs.
     *
     * @param problem why an annotation of the renewal could not be read, or null
     */
    public record View(String name, boolean controlPlane, boolean ready,
                       Optional<CertificateRenewalAssignment> assignment, Optional<CertificateRenewalReport> report,
                       String problem) {
        public View {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(assignment, "assignment");
            Objects.requireNonNull(report, "report");
        }

        public static View of(Node node, NodeView rollout) {
            String problem = null;
            Optional<CertificateRenewalAssignment> a;
            try {
                a = ContractJson.certificateRenewal(node);
            } catch (ContractJson.ContractException e) {
                a = Optional.empty();
                problem = e.getMessage();
            }
            Optional<CertificateRenewalReport> r;
            try {
                r = ContractJson.certificateReport(node);
            } catch (ContractJson.ContractException e) {
                r = Optional.empty();
                problem = problem == null ? e.getMessage() : problem + "; " + e.getMessage();
            }
            return new View(rollout.name(), rollout.controlPlane(), rollout.ready(), a, r, problem);
        }

        /** Its agent is at work on a renewal (of any request) that has not timed out. */
        boolean renewing(Instant now) {
            return report.filter(x -> x.state() == CertificateRenewalState.RENEWING && !timedOut(x, now)).isPresent();
        }
    }

    /** A change of one Node's renewal assignment. */
    public sealed interface Action {
        String node();

        record Assign(String node, CertificateRenewalAssignment assignment) implements Action {
        }

        /** Remove the assignment: finished, failed, or from another request. */
        record Withdraw(String node) implements Action {
        }
    }

    /**
     * @param actions  the node changes
     * @param status   the status of the request (null when the Update asks for none)
     * @param renewing the control-plane node that renews after these actions, if any
     * @param events   Events to post on the Update and the node: a node started, renewed or failed
     */
    public record Decision(List<Action> actions, CertificateRenewalStatus status, Optional<String> renewing,
                           List<RolloutEvent> events) {
        public Decision {
            actions = List.copyOf(actions);
            Objects.requireNonNull(renewing, "renewing");
            events = List.copyOf(events);
        }
    }

    /**
     * The control-plane node whose agent reports Renewing (and has not timed out), if any: while it does, the rollout
     * starts no control-plane node. For when no Update asks for a renewal (an agent may still finish an earlier one).
     */
    public static Optional<String> inProgress(List<View> nodes, Instant now) {
        return nodes.stream().filter(View::controlPlane).filter(v -> v.renewing(now)).map(View::name).sorted()
                .findFirst();
    }

    /**
     * Why the rollout holds the control plane (it goes first), or empty: a control-plane node is selected or updating,
     * or waits for its turn in a rollout that progresses.
     */
    public static Optional<String> rolloutHolds(List<UpdateStatus> rollouts) {
        for (UpdateStatus st : rollouts) {
            if (st == null) {
                continue;
            }
            for (NodeProgress p : st.nodes()) {
                if (p.role() != NodeRole.CONTROL_PLANE) {
                    continue;
                }
                if (p.state() == NodeUpdateState.UPDATING) {
                    return Optional.of("control-plane node " + p.name() + " is being updated by the rollout");
                }
                if (p.state() == NodeUpdateState.PENDING && st.phase() == RolloutPhase.PROGRESSING) {
                    return Optional.of("the rollout has control-plane node " + p.name() + " to update first (its "
                            + "kubeadm upgrade renews the certificates too)");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * @param update       the Update, "namespace/name"
     * @param request      its spec.certificateRenewal, or null
     * @param previous     the status.certificateRenewal it carries, or null
     * @param nodes        every Node
     * @param etcd         etcd's health now
     * @param rolloutHolds {@link #rolloutHolds}
     */
    public static Decision plan(String update, String request, CertificateRenewalStatus previous, List<View> nodes,
                                EtcdHealth etcd, Optional<String> rolloutHolds, Instant now) {
        List<View> cps = nodes.stream().filter(View::controlPlane).sorted(Comparator.comparing(View::name)).toList();
        List<Action> actions = new ArrayList<>();
        // assignments of this Update for another request (or for none) go; others' are left to them
        for (View v : cps) {
            v.assignment().filter(a -> a.update().equals(update) && !a.request().equals(request))
                    .ifPresent(a -> actions.add(new Action.Withdraw(v.name())));
        }
        if (request == null) {
            return new Decision(actions, null, inProgress(cps, now), List.of());
        }
        List<RolloutEvent> events = new ArrayList<>();
        List<CertificateRenewalNode> out = new ArrayList<>();
        String failed = null;
        String renewing = null;
        View next = null;
        int renewed = 0;
        for (View v : cps) {
            Optional<CertificateRenewalReport> r = v.report();
            boolean ours = r.map(x -> request.equals(x.request())).orElse(false);
            boolean assigned = v.assignment().map(a -> a.update().equals(update) && a.request().equals(request))
                    .orElse(false);
            CertificateRenewalState state;
            String message;
            String since;
            if (ours && r.get().state() == CertificateRenewalState.RENEWING && timedOut(r.get(), now)) {
                state = CertificateRenewalState.FAILED;
                message = "no progress for " + RENEWAL_TIMEOUT.toMinutes() + " minutes (last: " + r.get().message()
                        + "): is the agent running on " + v.name() + "? kubectl -n housekeeper-system get pods -o wide";
                since = r.get().since();
            } else if (ours) {
                state = r.get().state();
                message = r.get().message();
                since = r.get().since();
            } else if (assigned) {
                since = previousSince(previous, request, v.name());
                boolean late = Times.parse(since).map(t -> t.plus(RENEWAL_TIMEOUT).isBefore(now)).orElse(false);
                state = late ? CertificateRenewalState.FAILED : CertificateRenewalState.RENEWING;
                message = late ? "its agent did not start the renewal within " + RENEWAL_TIMEOUT.toMinutes()
                        + " minutes: is the agent running on " + v.name() + "? kubectl -n housekeeper-system get pods "
                        + "-o wide" : "assigned; waiting for the node's agent to start";
            } else {
                state = CertificateRenewalState.PENDING;
                message = v.problem();
                since = null;
            }
            if (assigned && (state == CertificateRenewalState.RENEWED || state == CertificateRenewalState.FAILED)) {
                actions.add(new Action.Withdraw(v.name()));
                boolean ok = state == CertificateRenewalState.RENEWED;
                events.add(new RolloutEvent(!ok, ok ? RolloutEvent.Reason.CERTIFICATES_RENEWED
                        : RolloutEvent.Reason.CERTIFICATE_RENEWAL_FAILED, v.name(), ok
                        ? "node " + v.name() + " renewed its kubeadm certificates (request " + request + "); the earliest "
                        + "expires " + r.map(CertificateRenewalReport::notAfter).orElse("?")
                        : "node " + v.name() + ": certificate renewal " + request + " failed: " + message));
            }
            switch (state) {
                case RENEWED -> renewed++;
                case FAILED -> failed = failed == null ? "node " + v.name() + ": " + message : failed;
                case RENEWING -> renewing = renewing == null ? v.name() : renewing;
                case PENDING -> next = next == null ? v : next;
            }
            String last = r.filter(x -> x.state() == CertificateRenewalState.RENEWED).map(CertificateRenewalReport::request)
                    .orElse(null);
            out.add(new CertificateRenewalNode(v.name(), state, last, since,
                    r.map(CertificateRenewalReport::notAfter).orElse(null), message));
        }
        // an agent still at work on an earlier request also holds the control plane
        Optional<String> other = cps.stream().filter(v -> v.renewing(now)
                && !v.report().map(x -> request.equals(x.request())).orElse(false)).map(View::name).findFirst();
        CertificateRenewalPhase phase;
        String message;
        if (cps.isEmpty()) {
            phase = CertificateRenewalPhase.WAITING;
            message = "no control-plane node (labelled node-role.kubernetes.io/control-plane) to renew";
        } else if (failed != null) {
            phase = CertificateRenewalPhase.FAILED;
            message = failed + "; no further node is started: fix the cause, then ask again with a new request id "
                    + "(nkd certs renew CLUSTER)";
        } else if (renewed == cps.size()) {
            phase = CertificateRenewalPhase.COMPLETED;
            message = "all " + cps.size() + " control-plane nodes renewed";
        } else if (renewing != null) {
            phase = CertificateRenewalPhase.PROGRESSING;
            message = "renewing node " + renewing + " (" + renewed + " of " + cps.size() + " renewed)";
        } else if (other.isPresent()) {
            phase = CertificateRenewalPhase.WAITING;
            message = "node " + other.get() + " still renews for an earlier request";
        } else if (rolloutHolds.isPresent()) {
            phase = CertificateRenewalPhase.WAITING;
            message = "waiting for the rollout: " + rolloutHolds.get();
        } else if (!etcd.healthy()) {
            phase = CertificateRenewalPhase.WAITING;
            message = "waiting for etcd to be healthy: " + etcd.detail();
        } else if (!next.ready()) {
            phase = CertificateRenewalPhase.WAITING;
            message = "waiting for control-plane node " + next.name() + " to be Ready (its agent renews, and its API "
                    + "server must answer afterwards)";
        } else {
            actions.add(new Action.Assign(next.name(), new CertificateRenewalAssignment(update, request)));
            events.add(new RolloutEvent(false, RolloutEvent.Reason.CERTIFICATE_RENEWAL_STARTED, next.name(), "node "
                    + next.name() + ": renewing its kubeadm certificates (request " + request + ", " + (renewed + 1)
                    + " of " + cps.size() + " control-plane nodes)"));
            renewing = next.name();
            phase = CertificateRenewalPhase.PROGRESSING;
            message = "renewing node " + next.name() + " (" + renewed + " of " + cps.size() + " renewed)";
            String at = Times.format(now);
            for (int i = 0; i < out.size(); i++) {
                CertificateRenewalNode n = out.get(i);
                if (n.name().equals(next.name())) {
                    out.set(i, new CertificateRenewalNode(n.name(), CertificateRenewalState.RENEWING, n.renewed(), at,
                            n.notAfter(), "assigned; waiting for the node's agent to start"));
                }
            }
        }
        String completedAt = phase != CertificateRenewalPhase.COMPLETED ? null
                : previous != null && request.equals(previous.request()) && previous.completedAt() != null
                ? previous.completedAt() : Times.format(now);
        Optional<String> busy = renewing != null ? Optional.of(renewing) : other;
        return new Decision(actions, new CertificateRenewalStatus(request, phase, message, out, completedAt), busy,
                events);
    }

    private static String previousSince(CertificateRenewalStatus previous, String request, String node) {
        if (previous == null || !request.equals(previous.request())) {
            return null;
        }
        return previous.nodes().stream().filter(n -> n.name().equals(node)).map(CertificateRenewalNode::since)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static boolean timedOut(CertificateRenewalReport r, Instant now) {
        if (r.since() == null) {
            return false;
        }
        try {
            return Instant.parse(r.since()).plus(RENEWAL_TIMEOUT).isBefore(now);
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
