package io.nkd.config;

import io.nkd.report.FieldPath;
import java.util.ArrayList;
import java.util.List;

/** Every secret a cluster refers to, with where in cluster.yaml it is referenced. */
public final class SecretRefs {
    public record Use(FieldPath path, SecretRef ref) {
    }

    private SecretRefs() {
    }

    public static List<Use> of(ClusterSpec spec) {
        List<Use> uses = new ArrayList<>();
        Infrastructure infra = spec.infrastructure();
        if (infra.openstack() != null && infra.openstack().credentials() != null) {
            uses.add(new Use(FieldPath.of("spec", "infrastructure", "openstack", "credentials"), infra.openstack().credentials()));
        }
        for (int i = 0; i < spec.access().users().size(); i++) {
            SecretRef hash = spec.access().users().get(i).passwordHash();
            if (hash != null) {
                uses.add(new Use(FieldPath.of("spec", "access", "users", i, "passwordHash"), hash));
            }
        }
        return uses;
    }
}
