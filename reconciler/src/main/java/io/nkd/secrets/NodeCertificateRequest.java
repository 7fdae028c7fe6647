package io.nkd.secrets;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * The last request to renew the certificates kubeadm issued on a cluster's control-plane nodes
 * ({@code nkd certs renew CLUSTER}), kept in the cluster's state. The reconcile (RolloutUpdates, the one writer of the
 * Housekeeper's Update) carries {@link #id()} into the Update's {@code spec.certificateRenewal}; the Housekeeper renews
 * node by node and reports back in the Update's status. A new request has a new id; the file keeps only the newest.
 *
 * @param id          the request id: the UTC time of the request to the second ({@code 2026-12-06T13:40:12Z}),
 *                    unique per request and readable in {@code kubectl get update -o yaml}
 * @param requestedAt when it was requested
 */
public record NodeCertificateRequest(String id, Instant requestedAt) {
    /** In the cluster's state directory. */
    public static final String PATH = "certificates/node-renewal.json";

    public NodeCertificateRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    /** A new request at {@code now}; one second later than {@code previous} at least, so that the id changes. */
    public static NodeCertificateRequest next(Optional<NodeCertificateRequest> previous, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.SECONDS);
        if (previous.isPresent() && !at.isAfter(previous.get().requestedAt())) {
            at = previous.get().requestedAt().plusSeconds(1);
        }
        return new NodeCertificateRequest(at.toString(), at);
    }

    public static Optional<NodeCertificateRequest> read(ClusterView state) {
        // losing it loses only a request not yet carried out: running nkd certs renew again asks anew
        return state.readJson(PATH, NodeCertificateRequest.class, Recovery.UNSPECIFIED);
    }

    public void write(ClusterState state) {
        state.writeJson(PATH, this, Sensitivity.PUBLIC);
    }
}
