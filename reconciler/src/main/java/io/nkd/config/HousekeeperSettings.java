package io.nkd.config;

import io.nkd.yaml.Doc;

/** The in-cluster Housekeeper (operator + node agent) that upgrades nodes. */
@Doc("Housekeeper: installed into the cluster to cordon, drain, rebase, reboot and upgrade nodes.")
public record HousekeeperSettings(
        @Doc("Install and use the Housekeeper (default true).") Boolean enabled,
        @Doc("Operator image.") String operatorImage,
        @Doc("Node agent image.") String agentImage) {
    public HousekeeperSettings {
        enabled = enabled == null || enabled;
    }
}
