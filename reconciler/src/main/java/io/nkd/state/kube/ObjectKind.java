package io.nkd.state.kube;

import io.nkd.state.Sensitivity;

/** The two kinds of object a state file can be: secrets in Secrets (RBAC and encryption at rest apply), the rest in ConfigMaps. */
enum ObjectKind {
    CONFIG_MAP("ConfigMap", "configmaps"),
    SECRET("Secret", "secrets");

    private final String kind;
    private final String plural;

    ObjectKind(String kind, String plural) {
        this.kind = kind;
        this.plural = plural;
    }

    static ObjectKind of(Sensitivity sensitivity) {
        return sensitivity == Sensitivity.SECRET ? SECRET : CONFIG_MAP;
    }

    ObjectKind other() {
        return this == SECRET ? CONFIG_MAP : SECRET;
    }

    /** "ConfigMap", "Secret". */
    String kind() {
        return kind;
    }

    /** The API resource: "configmaps", "secrets". */
    String plural() {
        return plural;
    }

    @Override
    public String toString() {
        return kind;
    }
}
