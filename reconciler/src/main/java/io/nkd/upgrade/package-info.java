/**
 * What the Housekeeper's {@code Update} of a cluster should say, and when nkd may write it: the desired
 * {@link io.nkd.housekeeper.api.UpdateSpec} from the applied commit ({@link io.nkd.upgrade.DesiredUpdate}), and the
 * gate of maintenance windows and their one-target override ({@link io.nkd.upgrade.UpgradeGate}). Pure: the time is an
 * argument, nothing here reads a clock, a file or the network; the daemon's step RolloutUpdates and {@code nkd plan}
 * both use it, so they say the same thing.
 */
package io.nkd.upgrade;
