package io.nkd.config;

import io.nkd.config.NodePool.Role;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.util.Optional;

/**
 * Rules between two revisions of one cluster, for {@code nkd plan} and the daemon: changes that are valid on
 * their own but unsafe as a step from the current state. Violations are refusals (errors) located in the new
 * revision's file.
 */
public final class RevisionRules {
    private RevisionRules() {
    }

    /** Checks the step from {@code base} to {@code head}; both must be valid on their own. */
    public static Report check(ClusterSpec base, LoadedCluster head) {
        Report report = new Report();
        var doc = head.document();
        ClusterSpec next = head.spec();
        FieldPath versionPath = FieldPath.of("spec", "kubernetes", "version");
        KubernetesVersion from = KubernetesVersion.parse(base.kubernetes().version());
        KubernetesVersion to = KubernetesVersion.parse(next.kubernetes().version());
        if (to.compareTo(from) < 0) {
            report.add(new Entry(Severity.ERROR, "KubernetesDowngrade", versionPath, doc.at(versionPath),
                    "Kubernetes " + from + " → " + to + " is a downgrade, which kubeadm cannot do; keep " + from
                            + " or a newer version (to roll back a node OS, revert the OS image instead)", doc.file()));
        } else if (to.major() != from.major() || to.minor() > from.minor() + 1) {
            report.add(new Entry(Severity.ERROR, "KubernetesMinorSkip", versionPath, doc.at(versionPath),
                    "Kubernetes " + from + " → " + to + " skips a minor version; kubeadm upgrades one minor at a time: "
                            + "go to v" + from.major() + "." + (from.minor() + 1) + ".x first, then to " + to, doc.file()));
        }
        // machines live with their provider: the daemon would list none on the new one, create every node there and
        // leave the old machines running unmanaged, so the step is refused, in the plan and in the daemon alike
        Infrastructure.ProviderType oldProvider = base.infrastructure().provider();
        Infrastructure.ProviderType newProvider = next.infrastructure().provider();
        if (oldProvider != newProvider) {
            FieldPath at = FieldPath.of("spec", "infrastructure", "provider");
            report.add(new Entry(Severity.ERROR, "ProviderChange", at, doc.at(at),
                    "spec.infrastructure.provider " + oldProvider.wire() + " → " + newProvider.wire() + " would move every machine "
                            + "to other infrastructure, which nkd cannot do in place; keep " + oldProvider.wire()
                            + ", or create a new cluster on " + newProvider.wire() + " and move the workloads", doc.file()));
        }
        Optional<NodePool> oldCp = controlPlane(base);
        Optional<NodePool> newCp = controlPlane(next);
        if (oldCp.isPresent() && newCp.isPresent()) {
            int before = oldCp.get().replicas();
            int after = newCp.get().replicas();
            int quorum = before / 2 + 1;
            if (after < quorum) {
                int index = next.pools().indexOf(newCp.get());
                FieldPath at = FieldPath.of("spec", "pools", index, "replicas");
                report.add(new Entry(Severity.ERROR, "QuorumLoss", at, doc.at(at),
                        "shrinking the control plane from " + before + " to " + after + " nodes in one step loses etcd "
                                + "quorum (" + quorum + " of " + before + " members are needed); remove members in steps "
                                + "that keep at least " + quorum, doc.file()));
            }
        }
        return report;
    }

    private static Optional<NodePool> controlPlane(ClusterSpec spec) {
        return spec.pools().stream().filter(p -> p.role() == Role.CONTROL_PLANE).findFirst();
    }
}
