package io.nkd.reconcile;

import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.Snapshot;

/** One commit of the config repository, loaded once and shared by every cluster's reconcile. */
public record DesiredRevision(Snapshot snapshot, RepositoryConfig config) {
    public static DesiredRevision of(Snapshot snapshot) {
        return new DesiredRevision(snapshot, ConfigLoader.load(snapshot));
    }

    public String revision() {
        return snapshot.revision();
    }
}
