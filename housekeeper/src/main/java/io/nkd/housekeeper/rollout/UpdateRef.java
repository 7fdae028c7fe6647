package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;

import java.time.Instant;
import java.util.Objects;

/**
 * One Update as the planner sees it.
 *
 * @param namespace  its namespace
 * @param name       its name
 * @param uid        metadata.uid (a deleted and re-created Update is another one)
 * @param generation metadata.generation: a new one is a new target
 * @param created    metadata.creationTimestamp; orders several Updates of one namespace
 * @param spec       the target (never null: an Update without spec is read as one with an empty spec)
 * @param status     the status the operator wrote last, or null
 */
public record UpdateRef(String namespace, String name, String uid, long generation, Instant created, UpdateSpec spec,
                        UpdateStatus status) {

    public UpdateRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(created, "created");
        spec = spec == null ? new UpdateSpec(null, null, null, null, null, null, null) : spec;
    }

    public static UpdateRef of(Update update) {
        var m = update.getMetadata();
        Instant created = m.getCreationTimestamp() == null ? Instant.EPOCH : Instant.parse(m.getCreationTimestamp());
        return new UpdateRef(m.getNamespace(), m.getName(), m.getUid(),
                m.getGeneration() == null ? 1 : m.getGeneration(), created, update.getSpec(), update.getStatus());
    }

    /** "namespace/name", as logs, events and assignments name an Update. */
    public String key() {
        return namespace + "/" + name;
    }

    /** The status says Completed for the current generation. */
    public boolean completedCurrentGeneration() {
        return status != null && status.phase() == RolloutPhase.COMPLETED
                && status.observedGeneration() != null && status.observedGeneration() == generation;
    }
}
