package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.WireEnum;

/** The in-cluster Housekeeper (operator + node agent) that upgrades nodes. */
@Doc("Housekeeper: installed into the cluster to cordon, drain, rebase, reboot and upgrade nodes.")
public record HousekeeperSettings(
        @Doc("Install and use the Housekeeper (default true). When false, nkd writes no Update: running nodes keep "
                + "their OS image and Kubernetes version, only new machines get the new ones.") Boolean enabled,
        @Doc("Operator image.") String operatorImage,
        @Doc("Node agent image.") String agentImage,
        @Doc("Which Housekeeper reads the Update: nkd (default: nkd's own, every field) or nestos (the NestOS "
                + "Housekeeper of nestos-kubernetes-deployer: nkd writes only its four fields osImageURL, kubeVersion, "
                + "evictPodForce, maxUnavailable; drainTimeout and pausing cannot be expressed).") Flavor flavor) {
    public HousekeeperSettings {
        enabled = enabled == null || enabled;
        flavor = flavor == null ? Flavor.NKD : flavor;
    }

    /** Settings without a flavor: nkd's own Housekeeper. */
    public HousekeeperSettings(Boolean enabled, String operatorImage, String agentImage) {
        this(enabled, operatorImage, agentImage, null);
    }

    /** The Housekeeper implementation that reads the Update nkd writes. */
    public enum Flavor implements WireEnum {
        /** nkd's Housekeeper (the housekeeper module): every field of the Update, a real status. */
        NKD("nkd"),
        /** The NestOS Housekeeper (upstream): only osImageURL, kubeVersion, evictPodForce, maxUnavailable. */
        NESTOS("nestos");

        private final String wire;

        Flavor(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }
}
