package io.nkd.housekeeper.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The {@code updates.housekeeper.io/v1alpha1} custom resource: one target (OS image and Kubernetes version) for the
 * nodes of a cluster, rolled out node by node by the operator. A compatible superset of the NestOS Housekeeper's CRD
 * (../shared/housekeeper-upstream): every object valid there is valid here, and every object nkd writes carries the
 * four upstream fields so that it is valid there too.
 */
@Group(Update.GROUP)
@Version(Update.VERSION)
@Kind("Update")
@Plural("updates")
@Singular("update")
public class Update extends CustomResource<UpdateSpec, UpdateStatus> implements Namespaced {
    public static final String GROUP = "housekeeper.io";
    public static final String VERSION = "v1alpha1";
    public static final String CRD_NAME = "updates." + GROUP;

    @Override
    protected UpdateSpec initSpec() {
        return null;
    }

    @Override
    protected UpdateStatus initStatus() {
        return null;
    }

    /** "namespace/name", the way logs, events and node assignments name an Update. */
    public String key() {
        return getMetadata().getNamespace() + "/" + getMetadata().getName();
    }
}
