package io.nkd.addons;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Kubernetes object of an add-on, where it was written, and the object itself.
 *
 * @param namespace as written (null when the manifest gives none: cluster-scoped, or namespaced and then applied to
 *                  {@code default}, as kubectl does)
 * @param object    the object as JSON (a deep copy: callers may not change it)
 */
public record ManifestObject(String addon, String file, int line, int column, String apiVersion, String kind,
                             String namespace, String name, ObjectNode object) {

    /** The API group of apiVersion ("" for the core group). */
    public String group() {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** What identifies the object in a cluster: group, kind, namespace, name (not the version: a new version is the same object). */
    public String key() {
        return group() + "/" + kind + "/" + (namespace == null ? "" : namespace) + "/" + name;
    }

    /** {@code Deployment kube-system/coredns}, as errors name it. */
    public String describe() {
        return kind + " " + (namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }

    /** {@code clusters/lab/manifests/cni/flannel.yaml:12}. */
    public String where() {
        return file + ":" + line;
    }

    public String json() {
        return object.toString();
    }
}
