package io.nkd.cluster;

import java.util.List;

/** Add-on manifests applied to a cluster with server-side apply. */
public interface Addons {
    /**
     * One Kubernetes object from a manifest file.
     *
     * @param source where it comes from: {@code clusters/NAME/manifests/cni/flannel.yaml} and the document's line
     * @param json   the object as JSON
     */
    record ManifestObject(String addon, String source, int line, String apiVersion, String kind, String namespace,
                          String name, String json) {
        /** {@code Deployment kube-system/coredns}, as errors name it. */
        public String describe() {
            return kind + " " + (namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
        }
    }

    /** The outcome for one object: applied, or the API server's message. */
    record ObjectResult(ManifestObject object, boolean applied, String message) {
    }

    /** @param pruned objects deleted because they left the manifests (only when pruning is on) */
    record ApplyReport(List<ObjectResult> results, List<String> pruned) {
        public ApplyReport {
            results = List.copyOf(results);
            pruned = List.copyOf(pruned);
        }
    }

    /**
     * Applies the objects in the given order (field manager {@code nkd}, conflicts forced: Git is the truth), each on
     * its own so one error does not hide the others; then, when {@code prune} is set, deletes the objects nkd applied
     * earlier that are no longer listed.
     */
    ApplyReport apply(List<ManifestObject> objects, boolean prune);
}
