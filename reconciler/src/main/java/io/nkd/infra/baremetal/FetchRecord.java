package io.nkd.infra.baremetal;

import java.time.Instant;
import java.util.Map;

/**
 * When each node of a cluster first fetched its config from nkd's Ignition server with its token: the only sign nkd
 * gets that a physical machine was installed and booted (there is no cloud API to ask). The daemon backs it with the
 * Ignition server's fetch record ({@code ignition/fetches.json} in the cluster's state), so it survives restarts.
 */
@FunctionalInterface
public interface FetchRecord {
    /** Nothing fetched, ever: every registered machine stays BUILDING. */
    FetchRecord NONE = cluster -> Map.of();

    /** Node name → when it first fetched its current pool config. */
    Map<String, Instant> fetched(String cluster);
}
