/**
 * {@code nkd plan}: what merging a change to the config repository would do, computed from two snapshots
 * with no cluster access, no credentials and no clock. {@link io.nkd.plan.Planner} turns a base and a head
 * revision into a {@link io.nkd.plan.Plan} of typed {@link io.nkd.plan.Action}s; {@link io.nkd.plan.PlanFormat}
 * prints it for people (text), pull requests (Markdown) and tools (JSON). The plan describes what the daemon of
 * this build does with a change: each action says whether it is applied ({@link io.nkd.plan.Action.Effect}), and the
 * machine changes come from {@link io.nkd.infra.MachineChanges}, the computation the daemon runs. Pure: nothing here
 * reads files, Git, the network or the clock.
 */
package io.nkd.plan;
