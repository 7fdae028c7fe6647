package io.nkd.status;

/** Every condition reason nkd uses, in one place (CamelCase, stable: tools match on them). */
public final class Reasons {
    private Reasons() {
    }

    public static final String SUCCEEDED = "Succeeded";
    public static final String PROGRESSING = "Progressing";
    public static final String PAUSED = "Paused";
    public static final String VALIDATION_FAILED = "ValidationFailed";
    public static final String CHANGE_REFUSED = "ChangeRefused";
    public static final String SECRETS_FAILED = "SecretsFailed";
    public static final String RENDER_FAILED = "RenderFailed";
    public static final String PROVISIONING = "Provisioning";
    public static final String PROVISIONING_FAILED = "ProvisioningFailed";
    public static final String MACHINES_READY = "MachinesReady";
    public static final String WAITING_FOR_MACHINES = "WaitingForMachines";
    public static final String MACHINES_FAILED = "MachinesFailed";
    /**
     * Nodes run an older config that no Update carries: a change of Butane snippets alone (Ignition runs only at first
     * boot, so only a replacement of the machine applies it), or any change while spec.housekeeper.enabled is false.
     */
    public static final String ROLLOUT_PENDING = "RolloutPending";
    /** nkd wrote the Update and the Housekeeper moves nodes to its target (or has not reported on it yet). */
    public static final String ROLLING_OUT = "RollingOut";
    /** The commit's new target waits for a maintenance window; the message says when it opens. */
    public static final String WAITING_FOR_MAINTENANCE_WINDOW = "WaitingForMaintenanceWindow";
    /** spec.upgrade.paused: the Update is held (nkd's Housekeeper) or not written (the NestOS Housekeeper). */
    public static final String ROLLOUT_PAUSED = "RolloutPaused";
    /** The Housekeeper halted the rollout: a node failed; the message names it and the Housekeeper's reason. */
    public static final String ROLLOUT_DEGRADED = "RolloutDegraded";
    /** nkd could not read or write the Update (the API server's answer is in the message); retried. */
    public static final String UPDATE_WRITE_FAILED = "UpdateWriteFailed";
    public static final String CLUSTER_REMOVED = "ClusterRemoved";
    public static final String NOT_YET_RECONCILED = "NotYetReconciled";
    public static final String INTERNAL_ERROR = "InternalError";
    /** The cluster's status.json cannot be read; the condition's message names the file and what to do. */
    public static final String STATUS_UNREADABLE = "StatusUnreadable";
    /** A state file a reconcile needs is corrupt (e.g. node-tokens.json); retried until it is restored. */
    public static final String STATE_CORRUPT = "StateCorrupt";
    /** A pool config the status names is not served (its stored copy was lost or damaged); nodes cannot boot. */
    public static final String CONFIGS_NOT_SERVED = "ConfigsNotServed";
    /** The state directory refused a write (disk full, permission denied); retried with backoff. */
    public static final String STATE_WRITE_FAILED = "StateWriteFailed";

    // provider failures (io.nkd.infra.ProviderException.Kind), retried with backoff; the message quotes the provider
    /** A quota of the project or host is used up (Nova's "Quota exceeded for instances: …"). */
    public static final String QUOTA_EXCEEDED = "QuotaExceeded";
    /** The provider's scheduler found no host for the machine (Nova's "No valid host was found"). */
    public static final String NO_VALID_HOST = "NoValidHost";
    /** Something is in the provider's way: a name or address taken by an object nkd did not create. */
    public static final String PROVIDER_CONFLICT = "ProviderConflict";
    /** The provider refused nkd's credentials. */
    public static final String PROVIDER_UNAUTHORIZED = "ProviderUnauthorized";
    /** Something cluster.yaml names does not exist at the provider (image, flavor, network, storage pool). */
    public static final String PROVIDER_NOT_FOUND = "ProviderNotFound";
    /** The provider failed (a 5xx, an internal error). */
    public static final String PROVIDER_ERROR = "ProviderError";
    /** The provider could not be reached. */
    public static final String PROVIDER_UNREACHABLE = "ProviderUnreachable";
    /** Every certificate nkd watches is valid for more than 30 days. */
    public static final String CERTIFICATES_VALID = "CertificatesValid";
    /** A certificate nkd cannot renew by itself (a CA, or one kubeadm issued on the nodes) expires within 30 days. */
    public static final String CERTIFICATE_EXPIRING = "CertificateExpiring";
    /** A certificate nkd watches has expired. */
    public static final String CERTIFICATE_EXPIRED = "CertificateExpired";
    /** Nodes whose machines run but have not fetched their config from nkd's Ignition server yet. */
    public static final String WAITING_FOR_IGNITION = "WaitingForIgnition";
    /** The machines run but the cluster's API server does not answer /readyz yet (the message names the endpoint). */
    public static final String WAITING_FOR_API_SERVER = "WaitingForApiServer";
    /** The API server answers; nodes Git asks for have not registered or are not Ready yet. */
    public static final String WAITING_FOR_NODES = "WaitingForNodes";
    /** Nodes that were Ready in Kubernetes are NotReady now (named, with their reason). */
    public static final String NODES_NOT_READY = "NodesNotReady";
    /** The API server is ready / every node Git asks for is Ready in Kubernetes. */
    public static final String API_SERVER_READY = "ApiServerReady";
    public static final String NODES_READY = "NodesReady";
    /** The API server answers but nkd's admin cannot read the Nodes (RBAC, an error of the server). */
    public static final String CLUSTER_API_FAILED = "ClusterApiFailed";
    /** This nkd has no way to reach the cluster's API: Ready means provisioned, not that the nodes are Ready. */
    public static final String NOT_OBSERVED = "NotObserved";
    /** nkd could not make or clean up the bootstrap token new machines join with (the API server's answer follows). */
    public static final String JOIN_TOKEN_FAILED = "JoinTokenFailed";
    /** Nodes Git no longer asks for are being drained; their machines are deleted once the nodes are gone. */
    public static final String DRAINING = "Draining";
    /** A node's drain cannot go on without a person (a PodDisruptionBudget past the drain timeout, without force). */
    public static final String DRAIN_BLOCKED = "DrainBlocked";
    /** Condition AddonsApplied: every add-on object was applied. */
    public static final String ADDONS_APPLIED = "Applied";
    /** Condition AddonsApplied: some objects were refused by the API server (the message names the first ones). */
    public static final String ADDONS_APPLY_FAILED = "ApplyFailed";
    /** Condition AddonsApplied: custom resources wait for their CustomResourceDefinition to be established. */
    public static final String ADDONS_WAITING_FOR_DEFINITIONS = "WaitingForDefinitions";
    /** Condition AddonsApplied: the cluster's API server does not answer yet, so nothing was applied. */
    public static final String ADDONS_WAITING_FOR_API = "WaitingForApiServer";
    /** Ready: every machine runs, but add-on objects failed to apply (as Flux's Ready=False on an apply error). */
    public static final String ADDONS_NOT_APPLIED = "AddonsApplyFailed";
    /** Ready: every machine runs, add-on objects wait for their CustomResourceDefinitions. */
    public static final String WAITING_FOR_ADDONS = "WaitingForAddons";
}
