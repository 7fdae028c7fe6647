package io.nkd.status;

import java.time.Instant;

/**
 * What nkd last saw of the cluster's own API (null in a status until nkd first tried to reach it).
 *
 * @param apiReady      the API server answered /readyz with nkd's admin credentials
 * @param apiMessage    why not, when not ready (names the endpoint); or why the nodes could not be read
 * @param server        the endpoint nkd asks ({@code https://HOST:PORT}, the cluster's control-plane endpoint)
 * @param nodesExpected nodes Git asks for
 * @param nodesJoined   Node objects of those nodes
 * @param nodesReady    of which Ready
 * @param observedAt    when nkd looked
 */
public record KubernetesStatus(boolean apiReady, String apiMessage, String server, int nodesExpected, int nodesJoined,
                               int nodesReady, Instant observedAt) {
}
