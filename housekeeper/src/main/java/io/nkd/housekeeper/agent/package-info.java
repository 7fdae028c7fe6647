/**
 * The node agent (DaemonSet, one pod per node): {@link io.nkd.housekeeper.agent.NodeAgent} carries out the
 * operator's assignment on its own node as housekeeper/CONTRACT.md describes; {@link
 * io.nkd.housekeeper.agent.AgentCommand} is the {@code agent} subcommand.
 *
 * <p>Subpackages: {@code host} (host commands through nsenter, and the exact command lines), {@code rpmostree}
 * ({@code rpm-ostree status --json}), {@code drain} (cordoned-node drain through the Eviction API), {@code time}
 * (the injectable sleeper). None of them uses this package.
 *
 * <p>What the agent needs from the cluster (its ServiceAccount's ClusterRole): {@code nodes}: get, list, watch, patch
 * (its own Node: report annotation, upgradeCompleted label, spec.unschedulable); {@code pods}: list (all namespaces,
 * field selector spec.nodeName), delete (only with evictPodForce); {@code pods/eviction}: create; {@code
 * poddisruptionbudgets} in group {@code policy}: list (to name the budget that blocks a drain). From the node: a
 * privileged container with {@code hostPID: true} and {@code nsenter} (util-linux) in the image; {@code NODE_NAME}
 * from the downward API ({@code spec.nodeName}).
 */
package io.nkd.housekeeper.agent;
