package io.nkd.status;

import java.util.List;

/**
 * The add-ons nkd applied to the cluster (null in a status until it first applied them).
 *
 * @param revision the commit whose manifests were applied last
 * @param errors   one line per object that failed: the object, its file and line, the API server's message
 */
public record AddonsStatus(String revision, int applied, List<String> errors) {
    public AddonsStatus {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }
}
