package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
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
// `kubectl get housekeeper` lists Updates too (a category, not a short name: a short name could clash with another
// CRD's and upstream's CRD has none)
@Categories("housekeeper")
// `kubectl get updates`: what a person watching a rollout asks first. Phase and the counts come from the status (blank
// until the operator has seen the Update); "updated of total" cannot be a column (JSONPath does no arithmetic), so
// the four counts are. Age is listed explicitly because custom columns replace kubectl's default ones.
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING,
        getDescription = "Where the rollout stands: Pending, Progressing, Paused, Degraded or Completed")
@AdditionalPrinterColumn(name = "Updated", jsonPath = ".status.updated", type = Type.INTEGER,
        getDescription = "Nodes verified at the target")
@AdditionalPrinterColumn(name = "Updating", jsonPath = ".status.updating", type = Type.INTEGER,
        getDescription = "Nodes selected and in progress")
@AdditionalPrinterColumn(name = "Pending", jsonPath = ".status.pending", type = Type.INTEGER,
        getDescription = "Nodes not at the target and not started")
@AdditionalPrinterColumn(name = "Failed", jsonPath = ".status.failed", type = Type.INTEGER,
        getDescription = "Nodes that failed; the Degraded condition names them")
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".spec.revision", type = Type.STRING,
        getDescription = "The source commit of the target")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(name = "OS-Image", jsonPath = ".spec.osImageURL", type = Type.STRING, priority = 1,
        getDescription = "The target OS image")
@AdditionalPrinterColumn(name = "Kubernetes", jsonPath = ".spec.kubeVersion", type = Type.STRING, priority = 1,
        getDescription = "The target Kubernetes version")
@AdditionalPrinterColumn(name = "Max-Unavailable", jsonPath = ".spec.maxUnavailable", type = Type.INTEGER,
        priority = 1, getDescription = "Worker nodes that may be unavailable at once")
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".spec.paused", type = Type.BOOLEAN, priority = 1,
        getDescription = "No new node is started while true")
public class Update extends CustomResource<UpdateSpec, UpdateStatus> implements Namespaced {
    public static final String GROUP = "housekeeper.io";
    public static final String VERSION = "v1alpha1";
    public static final String CRD_NAME = "updates." + GROUP;

    // getSpec/getStatus are overridden only to carry the descriptions `kubectl explain update.spec` shows (the
    // generator reads them from the accessor; fabric8 7.5 has no description for the resource itself, issue 7375)
    @Override
    @JsonPropertyDescription("The target: an OS image and/or a Kubernetes version for every node, and how to roll it "
            + "out. Written by people or by nkd; the first four fields are the NestOS Housekeeper's.")
    public UpdateSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("The rollout as the operator observes it; written only by the operator")
    public UpdateStatus getStatus() {
        return super.getStatus();
    }

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
