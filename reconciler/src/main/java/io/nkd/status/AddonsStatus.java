package io.nkd.status;

import java.time.Instant;
import java.util.List;

/**
 * The add-ons nkd applied to the cluster (null in a status until it first applied them).
 *
 * @param revision  the commit whose manifests were applied last
 * @param digest    the content digest of those manifests ({@code sha256:…}; the daemon applies again when it changes)
 * @param objects   how many objects the add-ons hold (the Housekeeper's included)
 * @param applied   of which the API server accepted
 * @param waiting   custom resources waiting for their CustomResourceDefinition to be established (applied on the next pass)
 * @param errors    one per object that failed: the object, its file and line, the API server's message
 * @param pruned    objects deleted because they left an add-on with {@code prune: true} (this apply only)
 * @param appliedAt when nkd applied them
 */
public record AddonsStatus(String revision, String digest, int objects, int applied, List<AddonError> errors,
                           List<String> waiting, List<String> pruned, Instant appliedAt) {
    public AddonsStatus {
        errors = errors == null ? List.of() : List.copyOf(errors);
        waiting = waiting == null ? List.of() : List.copyOf(waiting);
        pruned = pruned == null ? List.of() : List.copyOf(pruned);
    }

    /**
     * One object nkd could not apply (or prune).
     *
     * @param addon   null when the failure concerns no add-on (nkd's inventory ConfigMap, the API's discovery)
     * @param object  {@code Deployment kube-system/coredns}
     * @param source  {@code clusters/lab/manifests/cni/calico.yaml:120}, or null for a prune
     * @param message the API server's words
     */
    public record AddonError(String addon, String object, String source, String message) {
        @Override
        public String toString() {
            return object + (source == null ? "" : " (" + source + ")") + (addon == null ? "" : " of add-on " + addon) + ": " + message;
        }
    }

    /** Every object applied, nothing waiting, no error. */
    public boolean complete() {
        return errors.isEmpty() && waiting.isEmpty();
    }
}
