package io.nkd.config;

import java.util.List;
import java.util.Set;

/** Names nkd keeps for itself in the state store (its serving CA lives under "nkd-server"). */
public final class ReservedNames {
    public static final Set<String> CLUSTERS = Set.of("nkd-server");

    private ReservedNames() {
    }

    /** The user clusters among state-store names. */
    public static List<String> userClusters(List<String> stateNames) {
        return stateNames.stream().filter(n -> !CLUSTERS.contains(n)).toList();
    }
}
