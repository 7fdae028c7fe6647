package io.nkd.plan;

import java.util.List;
import java.util.Locale;

/**
 * One thing merging the change would make nkd do, or a refusal to do anything for a cluster. Every action
 * names its cluster and carries a reason a reviewer can check against the diff; {@link #summary()} is the
 * one line printers list it by. Records, so a plan compares by value (a revert's plan is the inverse).
 */
public sealed interface Action permits Action.CreateCluster, Action.DeleteCluster, Action.CreateMachine,
        Action.DeleteMachine, Action.ReplaceMachine, Action.UpdatePoolConfig, Action.UpgradeOs,
        Action.UpgradeKubernetes, Action.ApplyAddons, Action.Refusal {

    String cluster();

    String reason();

    String summary();

    /** A cluster that is new in the head revision: every pool and machine is created. */
    record CreateCluster(String cluster, String provider, int machines, String reason) implements Action {
        @Override
        public String summary() {
            return "create cluster " + cluster + " on " + provider + " with " + machines + " machine(s)";
        }
    }

    /** A cluster removed from the head revision: every machine is destroyed, with its etcd data and workloads. */
    record DeleteCluster(String cluster, String provider, int machines, String reason) implements Action {
        @Override
        public String summary() {
            return "DELETE CLUSTER " + cluster + " and all " + machines + " of its machine(s) on " + provider
                    + ": its workloads and etcd data are destroyed";
        }
    }

    record CreateMachine(String cluster, String pool, Machine machine, String reason) implements Action {
        @Override
        public String summary() {
            return "create machine " + machine.describe() + " in pool " + pool;
        }
    }

    record DeleteMachine(String cluster, String pool, Machine machine, String reason) implements Action {
        @Override
        public String summary() {
            return "delete machine " + machine.describe() + " from pool " + pool;
        }
    }

    /** A machine whose identity changed (address, MAC, size, role, provider): drained, destroyed and rebuilt. */
    record ReplaceMachine(String cluster, String pool, Machine from, Machine to, String reason) implements Action {
        @Override
        public String summary() {
            return "replace machine " + to.describe() + " in pool " + pool;
        }
    }

    /**
     * A pool's rendered Ignition changes. {@code diff} is a unified diff of the review text (pretty JSON with every
     * data URL decoded and secrets as placeholders); empty for a removed pool, whose contents no longer matter.
     *
     * @param fromVersion {@code rendered-<pool>-<hash>} of the base, null when the pool is added
     * @param toVersion   of the head, null when the pool is removed
     */
    record UpdatePoolConfig(String cluster, String pool, Change change, String fromVersion, String toVersion, String diff,
                            String reason) implements Action {
        public enum Change {
            ADDED, CHANGED, REMOVED;

            @Override
            public String toString() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        @Override
        public String summary() {
            return switch (change) {
                case ADDED -> "add pool " + pool + " with config " + toVersion;
                case REMOVED -> "remove pool " + pool + " (config " + fromVersion + ")";
                case CHANGED -> "update config of pool " + pool + ": " + fromVersion + " → " + toVersion;
            };
        }
    }

    /** Every existing node is cordoned, drained, rebased with rpm-ostree to the new image and rebooted. */
    record UpgradeOs(String cluster, OsImage from, OsImage to, Rollout rollout, String reason) implements Action {
        @Override
        public String summary() {
            return direction() + " OS " + from.describe() + " → " + to.describe();
        }

        /** "upgrade", or "downgrade" when the catalog's NestOS version goes back (a revert: rpm-ostree rollback). */
        public String direction() {
            return OsImage.compareVersions(to.osVersion(), from.osVersion()) < 0 ? "downgrade" : "upgrade";
        }
    }

    /** kubeadm upgrade apply on the first control-plane node, kubeadm upgrade node on every other node. */
    record UpgradeKubernetes(String cluster, String from, String to, Rollout rollout, String reason) implements Action {
        @Override
        public String summary() {
            return "upgrade Kubernetes " + from + " → " + to;
        }
    }

    /**
     * Add-on manifests to apply (new add-ons, or ones whose manifest list or files changed) and add-ons no longer
     * listed. {@code diff} holds the unified diffs of changed manifest files (new files are listed, not shown).
     */
    record ApplyAddons(String cluster, List<String> apply, List<String> removed, List<String> files, String diff,
                       String reason) implements Action {
        public ApplyAddons {
            apply = List.copyOf(apply);
            removed = List.copyOf(removed);
            files = List.copyOf(files);
        }

        @Override
        public String summary() {
            String s = apply.isEmpty() ? "" : "apply add-on(s) " + String.join(", ", apply);
            String r = removed.isEmpty() ? "" : "stop applying add-on(s) " + String.join(", ", removed);
            return s.isEmpty() ? r : r.isEmpty() ? s : s + "; " + r;
        }
    }

    /**
     * Why nothing is planned for a cluster: the head revision is invalid ({@link Kind#INVALID}, a validation or
     * rendering error) or the step from base to head is unsafe ({@link Kind#UNSAFE_STEP}, see RevisionRules).
     *
     * @param line   1-based, or 0 when the problem has no position
     * @param column 1-based, or 0 when the problem has no position
     */
    record Refusal(String cluster, Kind kind, String code, String file, int line, int column, String message)
            implements Action {
        /** The cluster of problems that belong to the repository as a whole (image catalogs). */
        public static final String REPOSITORY = "(repository)";

        public enum Kind {
            INVALID, UNSAFE_STEP;

            @Override
            public String toString() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        @Override
        public String reason() {
            return message;
        }

        /** {@code file:line:col}, as editors and CI annotations read it. */
        public String location() {
            if (file == null) {
                return cluster;
            }
            return line > 0 ? file + ":" + line + ":" + column : file;
        }

        @Override
        public String summary() {
            return location() + ": error: " + message + " [" + code + "]";
        }
    }
}
