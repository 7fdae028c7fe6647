package io.nkd.status;

/**
 * Where one machine stands on its way to a node: {@code REQUESTED → BUILDING → ACTIVE → FETCHED → JOINED → READY}, or
 * {@code FAILED} / {@code DELETING}, and {@code NOT_READY} for a node that was Ready in Kubernetes and is not now. BUILDING, ACTIVE, FAILED and DELETING are the provider's own view
 * ({@link io.nkd.infra.ProvisionedMachine.State}); nkd adds the step before (the create call is on its way, or the
 * provider refused it) and the step after (the node fetched its config from nkd's Ignition server with its token: for
 * bare metal, the only sign a machine exists).
 */
public enum MachinePhase {
    /** nkd asked for the machine and the provider has not accepted it yet (or refused it: the message says why). */
    REQUESTED,
    /** The provider is building it (Nova BUILD, a domain starting, a bare-metal host waiting to PXE boot). */
    BUILDING,
    /** Running at the provider; its Ignition has not fetched its config from nkd yet. */
    ACTIVE,
    /** The node fetched its pool config from nkd's Ignition server: provisioning is over; no Node object yet. */
    FETCHED,
    /** Its Node object exists in the cluster's API (the kubelet registered), not Ready yet. */
    JOINED,
    /** Its Node is Ready in Kubernetes. */
    READY,
    /** Its Node was Ready and is not now (the message gives the Ready condition's reason). */
    NOT_READY,
    /** The provider gave up on it (Nova ERROR); nkd re-creates it a few times, then leaves it with the provider's message. */
    FAILED,
    /** Being deleted. */
    DELETING
}
