package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import java.util.List;

/** The desired state of one cluster. */
@Doc("The desired state of a cluster.")
public record ClusterSpec(
        @Doc("Suspend all reconciliation of this cluster (provisioning and upgrades) while true.") Boolean paused,
        @Required @Doc("Kubernetes version and control-plane settings.") KubernetesSpec kubernetes,
        @Required @Doc("The NestOS image every node runs.") OsSpec os,
        @Doc("Ignition settings of the rendered node configs.") IgnitionSettings ignition,
        @Doc("The cluster PKI nkd generates (once, into its state directory).") PkiSettings pki,
        @Required @Doc("Where the machines come from.") Infrastructure infrastructure,
        @Required @Doc("Node pools: exactly one control-plane pool, any number of worker pools.") List<NodePool> pools,
        @Doc("Login users on every node.") Access access,
        @Doc("How OS and Kubernetes upgrades roll out.") UpgradePolicy upgrade,
        @Doc("What nkd may do to existing machines (replace, prune); both off by default.") MachinePolicy machinePolicy,
        @Doc("The in-cluster Housekeeper that performs node upgrades.") HousekeeperSettings housekeeper,
        @Doc("Add-ons applied after bootstrap, from clusters/<name>/manifests/.") List<Addon> addons) {

    public ClusterSpec {
        paused = paused != null && paused;
        ignition = ignition == null ? new IgnitionSettings(null) : ignition;
        pki = pki == null ? new PkiSettings(null, null, null) : pki;
        access = access == null ? new Access(null) : access;
        upgrade = upgrade == null ? UpgradePolicy.defaults() : upgrade;
        machinePolicy = machinePolicy == null ? MachinePolicy.defaults() : machinePolicy;
        housekeeper = housekeeper == null ? new HousekeeperSettings(null, null, null) : housekeeper;
        addons = addons == null ? List.of() : addons;
        pools = pools == null ? List.of() : pools;
    }

    @Doc("Ignition settings.")
    public record IgnitionSettings(
            @Doc(value = "Ignition spec version of the rendered configs: 3.0.0 to 3.6.0. Pick the newest your "
                    + "NestOS release's Ignition understands.", example = "3.3.0") String version) {
        public static final String DEFAULT_VERSION = "3.3.0";

        public IgnitionSettings {
            version = version == null ? DEFAULT_VERSION : version;
        }
    }

    @Doc("Key type and lifetimes of the certificates nkd generates. Changing them affects only certificates generated later.")
    public record PkiSettings(
            @Doc("Key algorithm: ecdsa-p256 (default), rsa-2048, rsa-3072 or rsa-4096.") KeyAlgorithm keyAlgorithm,
            @Doc(value = "Lifetime of the CAs (default 87600h, 10 years).", example = "87600h") java.time.Duration caValidity,
            @Doc(value = "Lifetime of the other certificates (default 8760h, 1 year).", example = "8760h")
            java.time.Duration certificateValidity) {
        public PkiSettings {
            keyAlgorithm = keyAlgorithm == null ? KeyAlgorithm.ECDSA_P256 : keyAlgorithm;
            caValidity = caValidity == null ? java.time.Duration.ofDays(3650) : caValidity;
            certificateValidity = certificateValidity == null ? java.time.Duration.ofDays(365) : certificateValidity;
            if (caValidity.isZero() || certificateValidity.isZero()) {
                throw new IllegalArgumentException("certificate lifetimes must be longer than zero");
            }
        }
    }

    @Doc("An add-on: Kubernetes manifests applied after the control plane is up (CNI first).")
    public record Addon(
            @Required @Doc("Name of the add-on.") String name,
            @Required @Doc("Manifest files or directories, relative to clusters/<name>/manifests/.") List<String> manifests,
            @Doc("Delete objects nkd applied for this add-on once they leave its manifests (or the add-on leaves spec.addons); "
                    + "default false: they are left running, unmanaged.") Boolean prune) {
        public Addon {
            prune = prune != null && prune;
        }

        public Addon(String name, List<String> manifests) {
            this(name, manifests, null);
        }
    }
}
