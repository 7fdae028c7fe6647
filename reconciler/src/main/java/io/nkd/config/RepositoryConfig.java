package io.nkd.config;

import io.nkd.report.Report;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole desired state of one revision: every cluster, the image catalogs, and repository-level problems. */
public record RepositoryConfig(String revision, List<LoadedCluster> clusters, Map<String, ImageCatalog.Release> images,
                               Report report) {

    public Optional<LoadedCluster> cluster(String name) {
        return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Every problem of the repository: repository-level first, then each cluster's. */
    public Report allProblems() {
        Report all = new Report().addAll(report);
        clusters.forEach(c -> all.addAll(c.report()));
        return all;
    }

    public boolean valid() {
        return !allProblems().hasErrors();
    }
}
