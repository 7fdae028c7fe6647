package io.nkd.plan;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The plan of one cluster present in either revision.
 *
 * @param baseVersions pool → rendered version in the base, sorted by pool (empty when the cluster is new or was invalid)
 * @param headVersions pool → rendered version in the head (empty when removed or refused)
 * @param notes        things a reviewer should know that are not actions (warnings of the head revision)
 */
public record ClusterPlan(String cluster, Status status, Map<String, String> baseVersions,
                          Map<String, String> headVersions, List<String> notes, List<Action> actions) {

    public enum Status {
        ADDED, REMOVED, CHANGED, UNCHANGED, REFUSED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ClusterPlan {
        baseVersions = Collections.unmodifiableSortedMap(new TreeMap<>(baseVersions));
        headVersions = Collections.unmodifiableSortedMap(new TreeMap<>(headVersions));
        notes = List.copyOf(notes);
        actions = List.copyOf(actions);
    }

    public List<Action.Refusal> refusals() {
        return actions.stream().filter(Action.Refusal.class::isInstance).map(Action.Refusal.class::cast).toList();
    }

    /** Actions of one type, in plan order. */
    public <A extends Action> List<A> actions(Class<A> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The distinct rollouts of this cluster's upgrades (an OS and a Kubernetes upgrade share one). */
    public List<Rollout> rollouts() {
        return actions.stream().map(a -> a instanceof Action.UpgradeOs u ? u.rollout()
                : a instanceof Action.UpgradeKubernetes k ? k.rollout() : null)
                .filter(java.util.Objects::nonNull).distinct().toList();
    }
}
