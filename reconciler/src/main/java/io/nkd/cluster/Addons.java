package io.nkd.cluster;

import java.util.List;
import java.util.Map;

/**
 * Add-on manifests applied to a cluster with server-side apply (field manager {@code nkd}), with an inventory of what
 * nkd applied so that pruning deletes only objects nkd created.
 */
public interface Addons {
    /** The field manager of every apply: conflicts with other managers are forced, because Git is the truth. */
    String FIELD_MANAGER = "nkd";

    /**
     * One Kubernetes object from a manifest file.
     *
     * @param source    where it comes from: {@code clusters/NAME/manifests/cni/flannel.yaml}
     * @param line      the line its document starts on
     * @param namespace null or empty for a cluster-scoped object
     * @param json      the object as JSON
     */
    record ManifestObject(String addon, String source, int line, String apiVersion, String kind, String namespace,
                          String name, String json) {
        /** {@code Deployment kube-system/coredns}, as errors name it. */
        public String describe() {
            return kind + " " + (namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
        }

        /** {@code clusters/NAME/manifests/cni/flannel.yaml:12}. */
        public String where() {
            return source + ":" + line;
        }
    }

    /** What became of one object. */
    enum Outcome {
        /** The API server accepted the apply (a no-op when nothing changed). */
        APPLIED,
        /** Its kind is not served yet because a CustomResourceDefinition of this apply is not established: next pass. */
        WAITING,
        /** The API server refused it (or could not be reached): the message quotes it. */
        FAILED
    }

    /** The outcome for one object, with the API server's message (null when applied). */
    record ObjectResult(ManifestObject object, Outcome outcome, String message) {
        public boolean applied() {
            return outcome == Outcome.APPLIED;
        }
    }

    /**
     * @param pruned objects deleted because they left the manifests of an add-on with pruning on, as
     *               {@code Kind namespace/name (add-on A)}
     * @param pruneErrors deletions that failed, with the API server's message (tried again on the next apply)
     */
    record ApplyReport(List<ObjectResult> results, List<String> pruned, List<PruneError> pruneErrors) {
        public ApplyReport {
            results = List.copyOf(results);
            pruned = List.copyOf(pruned);
            pruneErrors = pruneErrors == null ? List.of() : List.copyOf(pruneErrors);
        }

        public ApplyReport(List<ObjectResult> results, List<String> pruned) {
            this(results, pruned, List.of());
        }
    }

    /** A deletion the API server refused: the object ({@code Kind namespace/name}), its add-on, the API server's words. */
    record PruneError(String addon, String object, String message) {
    }

    /**
     * Applies the objects in the given order (field manager {@value #FIELD_MANAGER}, conflicts forced: Git is the
     * truth), each on its own so one error does not hide the others; then prunes: an object nkd applied earlier (its
     * inventory) that no add-on lists any more is deleted when its add-on has pruning on now, or had it on when it was
     * last applied if the add-on itself was removed; otherwise it is only forgotten (left running). Objects nkd never
     * applied are never deleted.
     *
     * @param addons every add-on listed in Git now → whether pruning is on for it, in apply order
     */
    ApplyReport apply(List<ManifestObject> objects, Map<String, Boolean> addons);
}
