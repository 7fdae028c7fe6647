package io.nkd.cli;

import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.HistoryEntry;
import io.nkd.status.MachinePhase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The text that {@code nkd status} and {@code nkd history} print: aligned tables (see {@link Table}) and the
 * detail of one cluster. Kept apart from the commands, which only choose where the statuses come from and
 * which format to print.
 */
final class StatusPrinter {
    private StatusPrinter() {
    }

    /** A line per cluster. */
    static String clusters(List<ClusterStatus> statuses) {
        Table t = new Table("CLUSTER", "PROVIDER", "PHASE", "APPLIED", "READY", "MACHINES", "MESSAGE");
        for (ClusterStatus s : statuses) {
            Condition ready = s.condition("Ready");
            t.row(s.name(), s.provider() == null ? "-" : s.provider().wire(), s.phase(), shortId(s.appliedRevision()), ready == null ? "-" : ready.status(), machines(s),
                    ready == null ? "" : ready.message());
        }
        return t.toString();
    }

    /** {@code 2/3 fetched} (machines whose node fetched its config, of the desired ones), or - before any. */
    static String machines(ClusterStatus s) {
        if (s.nodes().isEmpty()) {
            return "-";
        }
        // a node that joined Kubernetes (or is Ready there) fetched its config first
        long fetched = s.nodes().stream().filter(n -> n.phase() == MachinePhase.FETCHED || n.phase() == MachinePhase.JOINED
                || n.phase() == MachinePhase.READY || n.phase() == MachinePhase.NOT_READY).count();
        return fetched + "/" + s.nodes().size() + " fetched";
    }

    /** One cluster: commits, conditions, pools, nodes, last error. */
    static String detail(ClusterStatus s) {
        StringBuilder out = new StringBuilder();
        out.append("Cluster:   ").append(s.name()).append('\n');
        out.append("Provider:  ").append(s.provider() == null ? "-" : s.provider().wire()).append('\n');
        out.append("Phase:     ").append(s.phase()).append('\n');
        out.append("Applied:   ").append(s.appliedRevision() == null ? "-"
                : s.appliedRevision() + " (first applied at " + time(s.appliedAt()) + ")").append('\n');
        if (s.attemptedRevision() != null && !s.attemptedRevision().equals(s.appliedRevision())) {
            out.append("Attempted: ").append(s.attemptedRevision()).append('\n');
        }
        out.append("Kubernetes: ").append(kubernetes(s.kubernetes())).append('\n');
        out.append("Conditions:\n");
        Table conditions = Table.indented("  ", 4);
        s.conditions().forEach(c -> conditions.row(c.type(), c.status(), c.reason(), c.message()));
        out.append(conditions);
        out.append("Pools:\n");
        Table pools = Table.indented("  ", 2);
        s.pools().forEach(p -> pools.row(p.name(), p.renderedVersion()));
        out.append(pools);
        out.append("Nodes:\n");
        Table nodes = Table.indented("  ", 5);
        s.nodes().forEach(n -> nodes.row(n.name(), n.pool(), n.phase() == null ? "-" : n.phase().name().toLowerCase(java.util.Locale.ROOT),
                "since " + time(n.since()), node(n, s.rollout()) + (n.message() == null || n.phase() == MachinePhase.FETCHED ? "" : "; " + n.message())
                        + kubeNode(n.kubernetes())));
        out.append(nodes);
        rollout(s.rollout(), out);
        addons(s.addons(), out);
        if (s.lastError() != null) {
            out.append("Last error (").append(s.lastError().time()).append(", commit ").append(shortId(s.lastError().revision()))
                    .append("): ").append(s.lastError().reason()).append(": ").append(s.lastError().message()).append('\n');
            if (s.lastError().retryAt() != null) {
                out.append("Next attempt: ").append(time(s.lastError().retryAt())).append(" (after ").append(s.lastError().attempts())
                        .append(" failed attempt(s) in a row; the delay doubles from 10 s up to 5 min)\n");
            }
        }
        return out.toString();
    }

    /**
     * The Housekeeper's Update and each node on its way to the target: node, current → target, state, since.
     * {@code sandbox-demo-workers-1  nestos@sha256:9c1e7a5b3d2f v1.31.4 → nestos@sha256:2222222222 v1.31.4  updating (draining)  since …}
     */
    static void rollout(io.nkd.status.RolloutStatus r, StringBuilder out) {
        if (r == null) {
            return;
        }
        out.append("Rollout:   ").append(r.update()).append(r.targetImage() == null ? " (not written yet)"
                : " → " + r.targetImage() + ", Kubernetes " + r.targetKubernetes()
                + (r.revision() == null ? "" : " (commit " + shortId(r.revision()) + ")")).append(", phase ")
                .append(r.phase() == null ? "not reported" : r.phase().name().toLowerCase(java.util.Locale.ROOT))
                .append(r.startedAt() == null ? "" : ", started " + time(r.startedAt()))
                .append(r.completedAt() == null ? "" : ", completed " + time(r.completedAt())).append('\n');
        if (r.waiting() != null) {
            out.append("  waiting: ").append(r.waiting()).append('\n');
        }
        if (r.message() != null) {
            out.append("  housekeeper: ").append(r.message()).append('\n');
        }
        if (r.maxUnavailable() != null) {
            out.append("  batches: control-plane nodes one at a time, first; then up to ").append(r.maxUnavailable())
                    .append(" worker(s) at a time (maxUnavailable)\n");
        }
        for (io.nkd.status.RolloutStatus.Node n : r.nodes()) {
            for (io.nkd.housekeeper.api.DisruptionBudgetBlock b : n.blockedBy()) {
                out.append("  drain of ").append(n.name()).append(" blocked by PodDisruptionBudget ")
                        .append(b.budget() == null ? "(none readable selects the pods)" : b.budget())
                        .append(b.pods().isEmpty() ? "" : " (pods " + String.join(", ", b.pods()) + ")")
                        .append(b.since() == null ? "" : " since " + b.since()).append('\n');
            }
        }
        Table nodes = Table.indented("  ", 4);
        for (io.nkd.status.RolloutStatus.Node n : r.nodes()) {
            String current = shortImage(n.currentImage()) + " " + (n.currentKubernetes() == null ? "?" : n.currentKubernetes());
            String target = shortImage(r.targetImage()) + " " + r.targetKubernetes();
            String state = n.state() == null ? "-" : n.state().name().toLowerCase(java.util.Locale.ROOT)
                    + (n.step() == null || n.step().name().equals(n.state().name()) ? ""
                    : " (" + n.step().name().toLowerCase(java.util.Locale.ROOT) + ")");
            nodes.row(n.name(), current + " → " + target, state, (n.since() == null ? "" : "since " + time(n.since()))
                    + (n.message() == null ? "" : "; " + n.message()));
        }
        out.append(nodes);
        certificateRenewal(r.certificateRenewal(), out);
    }

    /**
     * The renewal of the control-plane nodes' kubeadm certificates (nkd certs renew): the request, its phase, and per
     * node requested → renewed, since when, and the new expiry.
     */
    static void certificateRenewal(io.nkd.housekeeper.api.CertificateRenewalStatus c, StringBuilder out) {
        if (c == null) {
            return;
        }
        out.append("Certificates: renewal ").append(c.request()).append(", phase ")
                .append(c.phase() == null ? "not reported" : c.phase().name().toLowerCase(java.util.Locale.ROOT))
                .append(c.completedAt() == null ? "" : ", completed " + c.completedAt()).append('\n');
        if (c.message() != null) {
            out.append("  housekeeper: ").append(c.message()).append('\n');
        }
        Table nodes = Table.indented("  ", 4);
        for (io.nkd.housekeeper.api.CertificateRenewalNode n : c.nodes()) {
            String state = n.state() == null ? "-" : n.state().name().toLowerCase(java.util.Locale.ROOT);
            nodes.row(n.name(), c.request() + " → " + (n.renewed() == null ? "-" : n.renewed()), state,
                    (n.since() == null ? "" : "since " + n.since())
                    + (n.notAfter() == null ? "" : "; certificates valid until " + n.notAfter())
                    + (n.message() == null || n.state() == io.nkd.housekeeper.api.CertificateRenewalState.RENEWED ? ""
                    : "; " + n.message()));
        }
        out.append(nodes);
    }

    /** {@code nestos@sha256:9c1e7a5b3d2f}: the repository's last segment and 12 digits of the digest, enough to tell images apart. */
    static String shortImage(String image) {
        if (image == null) {
            return "?";
        }
        String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        String last = name.substring(name.lastIndexOf('/') + 1);
        int at = image.indexOf("@sha256:");
        return at < 0 ? last : last.replaceAll(":[^:]*$", "") + "@sha256:" + image.substring(at + 8, Math.min(image.length(), at + 20));
    }

    /** {@code API https://10.0.0.10:6443 ready; 3 of 3 nodes joined, 2 Ready (observed …)}, or why not. */
    static String kubernetes(io.nkd.status.KubernetesStatus k) {
        if (k == null) {
            return "not observed (nkd has not reached this cluster's API)";
        }
        String api = "API " + k.server() + (k.apiReady() ? " ready" : " not ready: " + k.apiMessage());
        String nodes = !k.apiReady() ? "" : k.apiMessage() != null ? "; nodes unreadable: " + k.apiMessage()
                : "; " + k.nodesJoined() + " of " + k.nodesExpected() + " nodes joined, " + k.nodesReady() + " Ready";
        return api + nodes + " (observed " + time(k.observedAt()) + ")";
    }

    /** The Node's facts: {@code ; Node Ready (KubeletReady), kubelet v1.31.1, NestOS 24.03}. */
    private static String kubeNode(ClusterStatus.NodeKubernetes k) {
        if (k == null) {
            return "";
        }
        return "; Node " + (k.ready() ? "Ready" : "NotReady") + (k.reason() == null ? "" : " (" + k.reason() + ")")
                + (k.kubeletVersion() == null ? "" : ", kubelet " + k.kubeletVersion()) + (k.osImage() == null ? "" : ", " + k.osImage());
    }

    /** {@code Add-ons:   13 of 14 object(s) applied from <commit> at <time>; 1 failed}, then one line per failure and wait. */
    private static void addons(io.nkd.status.AddonsStatus a, StringBuilder out) {
        if (a == null) {
            return;
        }
        out.append("Add-ons:   ").append(a.applied()).append(" of ").append(a.objects()).append(" object(s) applied from ")
                .append(shortId(a.revision())).append(" at ").append(time(a.appliedAt()));
        if (!a.errors().isEmpty()) {
            out.append("; ").append(a.errors().size()).append(" failed");
        }
        if (!a.waiting().isEmpty()) {
            out.append("; ").append(a.waiting().size()).append(" waiting");
        }
        if (!a.pruned().isEmpty()) {
            out.append("; pruned ").append(String.join(", ", a.pruned()));
        }
        out.append('\n');
        a.errors().forEach(e -> out.append("  failed: ").append(e).append('\n'));
        a.waiting().forEach(w -> out.append("  waiting: ").append(w).append('\n'));
    }

    /**
     * Where a node's machine stands against its pool's config. A node that fetched an older config at first boot is not
     * necessarily behind: when the rollout's target carries its pool's desired config, the Housekeeper's report of the
     * node is the truth (as the status computer counts it), not the config Ignition ran once.
     */
    static String node(ClusterStatus.NodeStatus n, io.nkd.status.RolloutStatus r) {
        if (n.desiredVersion() != null && n.desiredVersion().equals(n.currentVersion())) {
            return backToFirstConfig(n, r);
        }
        if (n.currentVersion() == null) {
            return "desired " + n.desiredVersion() + ", not fetched yet";
        }
        String fetched = "fetched " + n.currentVersion() + " at first boot";
        io.nkd.status.RolloutStatus.Node p = r == null ? null : r.node(n.name()).orElse(null);
        boolean carried = r != null && r.targetImage() != null && n.desiredVersion() != null
                && n.desiredVersion().equals(r.poolVersions().get(n.pool()));
        if (p != null && p.state() != null && carried) {
            String target = shortImage(r.targetImage()) + " " + r.targetKubernetes();
            switch (p.state()) {
                case UPDATED:
                    return "up to date: the Housekeeper reports it at the rollout's target " + target + " (" + fetched + ")";
                case UPDATING:
                    return "updating to " + n.desiredVersion() + " through the Housekeeper" + (p.step() == null ? ""
                            : " (" + p.step().name().toLowerCase(java.util.Locale.ROOT) + ")") + "; " + fetched;
                case FAILED:
                    return fetched + ", desired " + n.desiredVersion() + " (the Housekeeper's update of it failed: see Rollout)";
                default:
                    return fetched + ", desired " + n.desiredVersion() + " (rollout pending: the Housekeeper has not started it)";
            }
        }
        return "fetched " + n.currentVersion() + ", desired " + n.desiredVersion() + " (rollout pending)";
    }

    /**
     * A node whose desired config is the one it fetched at first boot: up to date, unless a rollout back to that config
     * (a revert of an upgrade) still moves it, in which case it runs a later image and the Housekeeper's report says
     * where it stands (as the status computer counts it).
     */
    private static String backToFirstConfig(ClusterStatus.NodeStatus n, io.nkd.status.RolloutStatus r) {
        io.nkd.status.RolloutStatus.Node p = r == null ? null : r.node(n.name()).orElse(null);
        boolean carried = r != null && r.targetImage() != null && n.desiredVersion().equals(r.poolVersions().get(n.pool()));
        if (p == null || p.state() == null || !carried || p.state() == io.nkd.housekeeper.api.NodeUpdateState.UPDATED) {
            return "up to date";
        }
        String runs = "runs " + (p.currentImage() == null ? "another image" : shortImage(p.currentImage())) + " now";
        return switch (p.state()) {
            case UPDATING -> "updating to " + n.desiredVersion() + " through the Housekeeper" + (p.step() == null ? ""
                    : " (" + p.step().name().toLowerCase(java.util.Locale.ROOT) + ")") + "; it fetched that config at"
                    + " first boot and " + runs;
            case FAILED -> "desired " + n.desiredVersion() + ", fetched at first boot; it " + runs
                    + " (the Housekeeper's update of it failed: see Rollout)";
            default -> "desired " + n.desiredVersion() + ", fetched at first boot; it " + runs
                    + " (rollout pending: the Housekeeper has not started it)";
        };
    }

    /** A cluster's history, oldest first. */
    static String history(List<HistoryEntry> entries) {
        Table t = new Table("TIME", "COMMIT", "OUTCOME", "COMPLETED", "DETAIL");
        for (HistoryEntry e : entries) {
            t.row(time(e.time()), shortId(e.revision()), e.outcome(), e.completed() == null ? "-" : time(e.completed()),
                    (e.reason() == null ? "" : e.reason() + ": ") + (e.message() == null ? "" : e.message()));
        }
        return t.toString();
    }

    /** To the second: a table is for people; the JSON output keeps the full precision. */
    static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String shortId(String revision) {
        return io.nkd.config.Snapshot.shortId(revision);
    }
}
