/**
 * High availability: which of several nkd replicas acts.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Kubernetes is the consensus.</b> One {@code coordination.k8s.io/v1} Lease, acquired and renewed by fabric8's
 *       leader elector ({@link io.nkd.ha.LeaseLeadership}); nkd adds no election of its own.</li>
 *   <li><b>The leader stops before its lease can expire.</b> Whether this replica leads is decided by
 *       {@link io.nkd.ha.RenewDeadline} on the local monotonic clock (last successful renewal + renew deadline), not
 *       by the elector's callbacks, which arrive late when the API server hangs. The renew deadline is shorter than the
 *       lease duration, so the old leader has stopped {@code leaseDuration - renewDeadline} before another may start.</li>
 *   <li><b>Checked at every mutation.</b> {@link io.nkd.ha.Leadership#ensureLeader()} is asked before each provider
 *       create/delete/destroy and each write to a workload cluster ({@link io.nkd.ha.Guarded}), at the start of every
 *       reconcile and of every step, and before a reconcile saves its status. A reconcile that meets lost leadership
 *       ends there ({@link io.nkd.ha.NotLeaderException}), logged in one line; what it did so far is in the shared state
 *       or at the provider, which the next leader reads back (providers find machines by nkd's markers).</li>
 *   <li><b>Only the leader follows Git.</b> Followers neither poll nor reconcile; every replica serves Ignition and the
 *       read API from the shared state store.</li>
 * </ul>
 */
package io.nkd.ha;
