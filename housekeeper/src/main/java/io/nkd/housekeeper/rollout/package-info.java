/**
 * The pure rollout planner: from an Update, the Nodes and etcd's health, what to change next (assignments, releases,
 * retries, label clean-up), the Update's status with its conditions, and the Events to post. No client, no clock, no
 * I/O: {@link io.nkd.housekeeper.rollout.RolloutPlanner} is a function, tested exhaustively; the controller in
 * the operator package applies its decisions. Several Updates of one namespace:
 * {@link io.nkd.housekeeper.rollout.UpdateQueue}.
 */
package io.nkd.housekeeper.rollout;
