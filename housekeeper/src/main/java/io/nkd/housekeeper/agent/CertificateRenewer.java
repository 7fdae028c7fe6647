package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.nkd.housekeeper.agent.host.HostCommandException;
import io.nkd.housekeeper.agent.host.NodeHost;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.CertificateExpiry;
import io.nkd.housekeeper.api.CertificateRenewalAssignment;
import io.nkd.housekeeper.api.CertificateRenewalReport;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.CommandRecord;
import io.nkd.housekeeper.api.ContractJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The agent's part of a certificate renewal (nkd's extension of the contract, housekeeper/CONTRACT.md), on a
 * control-plane node that carries a {@link CertificateRenewalAssignment}, as kubeadm's "Certificate Management with
 * kubeadm" documents it:
 * <ol>
 *   <li>{@code kubeadm certs renew all}: every leaf and kubeconfig kubeadm manages on the node, from the CAs on it;</li>
 *   <li>each control-plane static pod is restarted so that it loads them: its manifest leaves
 *   {@code /etc/kubernetes/manifests} (parked in {@link #PARKED}) until the kubelet stopped the container, then comes
 *   back and the kubelet starts it again; etcd first, then the API server (whose local /readyz must answer), the
 *   controller-manager and the scheduler, one at a time, so that at most one component of this node is down;</li>
 *   <li>{@code kubeadm certs check-expiration}: the new expiries, reported.</li>
 * </ol>
 * Interrupted (the agent killed, the node rebooted), the next agent finds its report Renewing, moves any parked manifest
 * back first, and runs the whole renewal again: renewing twice is harmless, a manifest left parked is not. A failure
 * puts every manifest back before it is reported, with the command, its exit status and the tail of its output.
 */
final class CertificateRenewer {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewer.class);
    static final String MANIFESTS = "/etc/kubernetes/manifests";
    /** Outside the kubelet's manifest directory, on the same file system (a rename), kept across reboots. */
    static final String PARKED = "/etc/kubernetes/nkd-parked-manifests";
    /** The control-plane static pods kubeadm writes, in the order they restart. */
    static final List<String> COMPONENTS = List.of("etcd", "kube-apiserver", "kube-controller-manager",
            "kube-scheduler");
    /** kubeadm's localAPIEndpoint.bindPort default, which nkd's kubeadm configuration keeps. */
    static final int API_SERVER_PORT = 6443;
    /** The kubelet looks at its manifest directory every 20 s (fileCheckFrequency) and then stops the pod. */
    static final Duration STOP_WAIT = Duration.ofMinutes(2);
    /** Starting again includes pulling nothing (the image is there) and, for the API server, its /readyz. */
    static final Duration START_WAIT = Duration.ofMinutes(3);
    static final Duration POLL = Duration.ofSeconds(2);

    private final String nodeName;
    private final NodeHost host;
    private final NodeObjects nodes;
    private final Sleeper sleeper;
    private final Clock clock;
    private CertificateRenewalReport report;

    CertificateRenewer(String nodeName, NodeHost host, NodeObjects nodes, Sleeper sleeper, Clock clock) {
        this.nodeName = nodeName;
        this.host = host;
        this.nodes = nodes;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    /** A failed step: the report's message. */
    private static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    /**
     * Renews when the node carries an assignment this agent has not finished; otherwise, if a run of this node was
     * interrupted (its report says Renewing), puts parked manifests back. Runs to the end once started: stopping in
     * between would leave a component stopped.
     *
     * @param rolloutBusy the node is in an OS or Kubernetes update: the renewal waits for it (the operator never
     *                    assigns both; this is the agent's own guard)
     */
    void reconcile(Node node, boolean rolloutBusy) throws InterruptedException {
        Optional<CertificateRenewalAssignment> assignment;
        try {
            assignment = ContractJson.certificateRenewal(node);
            report = ContractJson.certificateReport(node).orElse(null);
        } catch (ContractJson.ContractException e) {
            LOG.error("node={} {}", nodeName, e.getMessage());
            return;
        }
        boolean interrupted = report != null && report.state() == CertificateRenewalState.RENEWING;
        if (assignment.isEmpty() || report != null && report.finished(assignment.get().request())) {
            if (interrupted) {
                try {
                    restoreParked();
                    write(new CertificateRenewalReport(report.request(), CertificateRenewalState.FAILED,
                            "node " + nodeName + ": the renewal was interrupted and its assignment withdrawn; "
                                    + "manifests were put back", now(), report.notAfter(), report.certificates(),
                            last()));
                } catch (HostCommandException e) {
                    LOG.error("node={} cannot put the parked manifests back: {}", nodeName, e.getMessage());
                }
            }
            return;
        }
        if (rolloutBusy) {
            LOG.info("node={} certificate renewal {} waits for the node's OS/Kubernetes update", nodeName,
                    assignment.get().request());
            return;
        }
        renew(assignment.get(), interrupted && assignment.get().request().equals(report.request()));
    }

    private void renew(CertificateRenewalAssignment a, boolean resumed) throws InterruptedException {
        String request = a.request();
        // the operator's timeout counts from the first start, across agent restarts
        String since = resumed ? report.since() : now();
        List<CertificateExpiry> before = report == null ? List.of() : report.certificates();
        String beforeNotAfter = report == null ? null : report.notAfter();
        LOG.info("update={} node={} certificate renewal {} {}", a.update(), nodeName, request,
                resumed ? "resumed after an interruption: running it again from the start" : "started");
        String step = "starting";
        try {
            step = "putting back manifests an interrupted renewal parked";
            progress(request, since, step, before, beforeNotAfter);
            restoreParked();
            step = "kubeadm certs renew all";
            progress(request, since, step, before, beforeNotAfter);
            host.renewCertificates();
            for (String c : COMPONENTS) {
                String manifest = MANIFESTS + "/" + c + ".yaml";
                if (!host.exists(manifest)) {
                    LOG.info("node={} no {}: {} is not a static pod here (external etcd?), nothing to restart",
                            nodeName, manifest, c);
                    continue;
                }
                step = "restarting " + c;
                progress(request, since, step + " (its manifest is parked until the kubelet stopped it)", before,
                        beforeNotAfter);
                restart(c);
            }
            step = "kubeadm certs check-expiration";
            progress(request, since, step, before, beforeNotAfter);
            List<CertificateExpiry> after = host.certificateExpiry();
            String notAfter = after.stream().map(CertificateExpiry::notAfter).min(Comparator.naturalOrder())
                    .orElse(null);
            write(new CertificateRenewalReport(request, CertificateRenewalState.RENEWED, "renewed " + after.size()
                    + " certificates; the earliest expires " + notAfter, now(), notAfter, after, last()));
            LOG.info("update={} node={} certificate renewal {} done: {} certificates, earliest expiry {}", a.update(),
                    nodeName, request, after.size(), notAfter);
        } catch (HostCommandException e) {
            fail(a, since, before, beforeNotAfter, step, e.getMessage());
        } catch (Failed e) {
            fail(a, since, before, beforeNotAfter, step, e.getMessage());
        }
    }

    private void fail(CertificateRenewalAssignment a, String since, List<CertificateExpiry> before,
                      String beforeNotAfter, String step, String why) {
        String message = "node " + nodeName + ": " + step + " failed: " + why;
        LOG.error("update={} node={} certificate renewal {} failed: {}", a.update(), nodeName, a.request(), message);
        write(new CertificateRenewalReport(a.request(), CertificateRenewalState.FAILED, message, now(),
                beforeNotAfter, before, last()));
    }

    /** Parks the manifest until the container stopped, puts it back, waits until it runs (and for the API, /readyz). */
    private void restart(String component) throws HostCommandException, InterruptedException, Failed {
        String manifest = MANIFESTS + "/" + component + ".yaml";
        String parked = PARKED + "/" + component + ".yaml";
        host.mkdir(PARKED);
        host.move(manifest, parked);
        try {
            waitFor(() -> !host.containerRunning(component), STOP_WAIT, "the kubelet did not stop " + component
                    + " within " + STOP_WAIT.toMinutes() + " minutes of its manifest leaving " + MANIFESTS
                    + " (is the kubelet running? systemctl status kubelet)");
        } finally {
            host.move(parked, manifest);
        }
        waitFor(() -> host.containerRunning(component), START_WAIT, component + " did not run again within "
                + START_WAIT.toMinutes() + " minutes of its manifest coming back (crictl ps -a --name " + component
                + "; journalctl -u kubelet)");
        if (component.equals("kube-apiserver")) {
            waitFor(() -> host.localApiReady(API_SERVER_PORT), START_WAIT, "the local API server's /readyz "
                    + "(https://127.0.0.1:" + API_SERVER_PORT + "/readyz) did not answer 200 within "
                    + START_WAIT.toMinutes() + " minutes of its restart (crictl logs of kube-apiserver)");
        }
    }

    /** Manifests a run of this agent parked and did not put back (it was killed): back into the kubelet's directory. */
    private void restoreParked() throws HostCommandException, InterruptedException {
        for (String c : COMPONENTS) {
            String parked = PARKED + "/" + c + ".yaml";
            if (host.exists(parked)) {
                String manifest = MANIFESTS + "/" + c + ".yaml";
                if (host.exists(manifest)) {
                    LOG.warn("node={} both {} and {} exist: keeping the one in {}", nodeName, parked, manifest,
                            MANIFESTS);
                    continue;
                }
                LOG.warn("node={} {} was left parked by an interrupted renewal: putting it back", nodeName, parked);
                host.move(parked, manifest);
            }
        }
    }

    @FunctionalInterface
    private interface Probe {
        boolean test() throws HostCommandException, InterruptedException;
    }

    private void waitFor(Probe done, Duration bound, String failure)
            throws HostCommandException, InterruptedException, Failed {
        Instant until = clock.instant().plus(bound);
        while (!done.test()) {
            if (!clock.instant().isBefore(until)) {
                CommandRecord c = last();
                throw new Failed(failure + (c == null ? "" : "; last: '" + String.join(" ", c.argv()) + "' exit "
                        + c.exitCode() + (c.outputTail() == null || c.outputTail().isBlank() ? ""
                        : ": " + c.outputTail())));
            }
            sleeper.sleep(POLL);
        }
    }

    private void progress(String request, String since, String step, List<CertificateExpiry> before,
                          String beforeNotAfter) {
        write(new CertificateRenewalReport(request, CertificateRenewalState.RENEWING, step, since, beforeNotAfter,
                before, last()));
    }

    private void write(CertificateRenewalReport r) {
        nodes.writeCertificateReport(r);
        report = r;
    }

    private CommandRecord last() {
        return host.lastCommand().orElse(null);
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
