package io.nkd.config;

import io.nkd.report.Report;
import io.nkd.yaml.Located;
import java.util.List;

/**
 * One cluster directory as read from a snapshot: the bound document (null when it could not be read), its
 * snippets and manifests, and every problem found in them. Problems of one cluster never block the others.
 */
public record LoadedCluster(String name, Located<ClusterDocument> document, List<Snippet> snippets,
                            List<String> manifests, Report report) {

    public boolean valid() {
        return document.value() != null && !report.hasErrors();
    }

    public ClusterSpec spec() {
        return document.value().spec();
    }

    /** Snippets for a pool in merge order: all-pool snippets first, then the pool's own, each in file-name order. */
    public List<Snippet> snippetsFor(String pool) {
        return snippets.stream().filter(s -> s.pool().equals(Snippet.ALL_POOLS) || s.pool().equals(pool)).toList();
    }
}
