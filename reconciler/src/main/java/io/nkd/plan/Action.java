package io.nkd.plan;

import java.util.List;
import java.util.Locale;

/**
 * One thing merging the change would make nkd do, or a refusal to do anything for a cluster. Every action
 * names its cluster and carries a reason a reviewer can check against the diff; {@link #summary()} is the
 * one line printers list it by, and {@link #effect()} says whether the daemon of this build carries it out
 * (the plan describes today's daemon, not the target: changes it cannot apply yet are listed as such).
 * Records, so a plan compares by value (a revert's plan is the inverse).
 */
public sealed interface Action permits Action.CreateCluster, Action.UnmanageCluster, Action.CreateMachine,
        Action.DeleteMachine, Action.ReplaceMachine, Action.OrphanMachine, Action.UpdatePoolConfig, Action.UpgradeOs,
        Action.UpgradeKubernetes, Action.ApplyAddons, Action.Refusal {

    String cluster();

    String reason();

    String summary();

    /** Whether the daemon carries this action out when it reconciles the merged commit. */
    Effect effect();

    /** What the daemon does with an action. */
    enum Effect {
        /** The daemon does it on the next reconcile of the merged commit. */
        APPLIED,
        /**
         * The daemon does not do it (yet): the reason says what happens instead and what it waits for (the
         * Housekeeper for rollouts, a provider for machines on infrastructure nkd cannot drive yet).
         */
        NOT_APPLIED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * A cluster that is new in the head revision: nkd starts managing it (secrets, configs, machines).
     *
     * @param effect {@link Effect#NOT_APPLIED} when the cluster is paused in Git
     */
    record CreateCluster(String cluster, String provider, int machines, Effect effect, String reason) implements Action {
        @Override
        public String summary() {
            return "manage new cluster " + cluster + " on " + provider + " with " + machines + " machine(s)";
        }
    }

    /**
     * A cluster removed from the head revision: nkd stops managing it and deletes nothing. Its machines keep running,
     * its secrets, node tokens and state stay; status shows it as removed. Deleting a cluster's machines is a
     * separate, explicit act: {@code nkd destroy CLUSTER --confirm CLUSTER}.
     *
     * @param machines the machines the daemon created and leaves running (0 when it had no provider for the cluster)
     */
    record UnmanageCluster(String cluster, String provider, int machines, String reason) implements Action {
        @Override
        public String summary() {
            return "STOP MANAGING cluster " + cluster + ": nothing is deleted" + (machines == 0 ? ""
                    : ", its " + machines + " machine(s) on " + provider + " keep running unmanaged");
        }

        @Override
        public Effect effect() {
            return Effect.APPLIED;
        }
    }

    /** @param effect {@link Effect#NOT_APPLIED} when the cluster is paused or this nkd has no provider for its infrastructure */
    record CreateMachine(String cluster, String pool, DesiredMachine machine, Effect effect, String reason) implements Action {
        @Override
        public String summary() {
            return "create machine " + machine.describe() + " in pool " + pool;
        }
    }

    /**
     * A machine Git no longer asks for in a pool that is still in Git (a lower replica count, a listed machine
     * removed): first the daemon takes its node out of Kubernetes
     * (cordon, drain through the Eviction API within spec.upgrade.drainTimeout, delete the Node; the machine waits
     * meanwhile), then deletes the machine at its provider and revokes its node token (its pointer config stops
     * working). Without an answer from the cluster's API for 10 minutes the machine is deleted without draining, and
     * status says so; its Node (and etcd member) are removed once the API answers again. Several go newest first.
     */
    record DeleteMachine(String cluster, String pool, DesiredMachine machine, Effect effect, String reason) implements Action {
        @Override
        public String summary() {
            return "delete machine " + machine.describe() + " from pool " + pool;
        }
    }

    /**
     * A machine whose immutable spec (size, boot image, MAC, address) or pool changed in Git while its node name
     * stayed. The name is the node's identity (host name, Kubernetes node name, token), so the daemon replaces it by
     * draining its node and deleting the old machine (as for {@link DeleteMachine}) and then creating the new one under the same name, one machine at a
     * time, each after the previous one is active.
     *
     * @param changes what changed, e.g. {@code size flavor m1.small → flavor m1.large}
     * @param effect  {@link Effect#APPLIED} only when {@code spec.machinePolicy.replace} is true and the node is a
     *                worker (nkd does not replace control-plane nodes yet); the reason says which setting holds it
     */
    record ReplaceMachine(String cluster, String pool, DesiredMachine from, DesiredMachine to, List<String> changes,
                          Effect effect, String reason) implements Action {
        public ReplaceMachine {
            changes = List.copyOf(changes);
        }

        @Override
        public String summary() {
            return "replace machine " + to.name() + " (" + String.join("; ", changes) + ")";
        }
    }

    /**
     * A machine nkd created for this cluster (it carries nkd's marker) whose pool is no longer in Git: an orphan. The
     * daemon drains its node and deletes it (as for {@link DeleteMachine}, revoking its node token) only when {@code spec.machinePolicy.prune} is true;
     * otherwise it keeps running, unmanaged, and status lists it.
     *
     * @param effect {@link Effect#APPLIED} when the daemon prunes it, {@link Effect#NOT_APPLIED} when it is kept
     */
    record OrphanMachine(String cluster, String pool, DesiredMachine machine, Effect effect, String reason) implements Action {
        /** Whether the daemon deletes it (else it keeps running). */
        public boolean pruned() {
            return effect == Effect.APPLIED;
        }

        @Override
        public String summary() {
            return "delete orphan machine " + machine.describe() + " (pool " + pool + " is no longer in Git)";
        }
    }

    /**
     * A pool's rendered Ignition changes. {@code diff} is a unified diff of the review text (pretty JSON with every
     * data URL decoded and secrets as placeholders); empty for a removed pool, whose contents no longer matter.
     *
     * @param fromVersion {@code rendered-<pool>-<hash>} of the base, null when the pool is added
     * @param toVersion   of the head, null when the pool is removed
     * @param effect      published to the Ignition server at once ({@link Effect#NOT_APPLIED} only while the cluster is
     *                    paused); what that means for existing nodes is in the reason
     */
    record UpdatePoolConfig(String cluster, String pool, Change change, String fromVersion, String toVersion, Effect effect,
                            String diff, String reason) implements Action {
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

    /**
     * A new OS image. New machines boot it (it is in the pool config); existing nodes are cordoned, drained, rebased
     * with rpm-ostree (or rolled back with {@code rpm-ostree rollback} when the image is their previous deployment) and
     * rebooted by the Housekeeper in the rollout order, once nkd writes the image into the cluster's Update.
     *
     * @param effect {@link Effect#APPLIED} when spec.housekeeper.enabled is true (nkd writes the Update, inside the
     *               maintenance window or at once as the reason says); NOT_APPLIED when false or the cluster is paused
     */
    record UpgradeOs(String cluster, OsImage from, OsImage to, Rollout rollout, Effect effect, String reason) implements Action {

        @Override
        public String summary() {
            return direction() + " OS " + from.describe() + " → " + to.describe();
        }

        /** "upgrade", or "downgrade" when the catalog's NestOS version goes back (a revert: rpm-ostree rollback). */
        public String direction() {
            return OsImage.compareVersions(to.osVersion(), from.osVersion()) < 0 ? "downgrade" : "upgrade";
        }
    }

    /**
     * A new Kubernetes version. New machines join with it; on existing nodes the Housekeeper runs kubeadm upgrade apply
     * (first control-plane node) and kubeadm upgrade node (the others), once nkd writes the version into the Update.
     *
     * @param effect as for {@link UpgradeOs}
     */
    record UpgradeKubernetes(String cluster, String from, String to, Rollout rollout, Effect effect, String reason) implements Action {

        @Override
        public String summary() {
            return "upgrade Kubernetes " + from + " → " + to;
        }
    }

    /**
     * Add-ons to apply (new add-ons, or ones whose objects, manifest list, files or prune flag changed; the Housekeeper
     * of {@code spec.housekeeper.enabled} among them) and add-ons no longer listed, with the objects added, changed and
     * removed per add-on. {@code diff} holds the unified diffs of changed manifest files (new files are listed, not
     * shown). The daemon applies them with server-side apply once the cluster's API is up and prunes removed objects
     * only of add-ons with {@code prune: true}.
     *
     * @param objects per add-on (in apply order, the removed ones last) what happens to its objects
     * @param effect  {@link Effect#NOT_APPLIED} only while the cluster is paused
     */
    record ApplyAddons(String cluster, List<String> apply, List<String> removed, List<String> files, List<AddonObjects> objects,
                       String diff, Effect effect, String reason) implements Action {
        public ApplyAddons {
            apply = List.copyOf(apply);
            removed = List.copyOf(removed);
            files = List.copyOf(files);
            objects = List.copyOf(objects);
        }

        @Override
        public String summary() {
            String s = apply.isEmpty() ? "" : "apply add-on(s) " + String.join(", ", apply);
            String r = removed.isEmpty() ? "" : "stop applying add-on(s) " + String.join(", ", removed);
            return s.isEmpty() ? r : r.isEmpty() ? s : s + "; " + r;
        }
    }

    /**
     * The objects of one add-on that a commit adds, changes and removes ({@code Kind namespace/name}); removed ones are
     * deleted only when {@code prune} is on for the add-on (for a removed add-on: as it was in the base revision).
     */
    record AddonObjects(String addon, List<String> added, List<String> changed, List<String> removed, boolean prune) {
        public AddonObjects {
            added = List.copyOf(added);
            changed = List.copyOf(changed);
            removed = List.copyOf(removed);
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

        /** Nothing is applied for a refused cluster: the daemon stalls on it and keeps the last good commit. */
        @Override
        public Effect effect() {
            return Effect.NOT_APPLIED;
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
