package io.nkd.config;

import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.Located;
import io.nkd.yaml.YamlBinder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a snapshot of the config repository into its desired state: image catalogs from {@code images/},
 * clusters from {@code clusters/<name>/}, each validated. Pure: it reads only the snapshot.
 */
public final class ConfigLoader {
    public static final String CLUSTERS = "clusters";
    public static final String IMAGES = "images";

    private ConfigLoader() {
    }

    public static RepositoryConfig load(Snapshot snapshot) {
        Report repoReport = new Report();
        snapshot.tooLargeUnder(IMAGES).forEach((file, size) -> repoReport.add(tooLarge(file, size)));
        Map<String, ImageCatalog.Release> images = loadImages(snapshot, repoReport);
        List<LoadedCluster> clusters = new ArrayList<>();
        for (String name : snapshot.subdirectories(CLUSTERS)) {
            clusters.add(loadCluster(snapshot, name, images));
        }
        for (String stray : snapshot.filesIn(CLUSTERS)) {
            repoReport.add(new Entry(Severity.WARNING, "StrayFile", null, null,
                    "ignored: cluster definitions live in " + CLUSTERS + "/<name>/cluster.yaml", stray));
        }
        if (clusters.isEmpty() && !snapshot.exists(CLUSTERS)) {
            repoReport.add(new Entry(Severity.WARNING, "NoClusters", null, null,
                    "the repository has no " + CLUSTERS + "/ directory, so it defines no clusters; "
                            + "run 'nkd init DIR' for a starting layout", CLUSTERS + "/"));
        }
        return new RepositoryConfig(snapshot.revision(), List.copyOf(clusters), images, repoReport);
    }

    /** A config file nkd did not read because of its size: named, with what to do, never mistaken for a missing one. */
    private static Entry tooLarge(String file, long size) {
        return new Entry(Severity.ERROR, "FileTooLarge", null, null, file + " is " + size + " bytes, over the "
                + (Snapshot.MAX_FILE_BYTES >> 20) + " MiB limit for files in a config repository, so nkd did not read it; "
                + "config files are small: keep large data out of clusters/ and images/", file);
    }

    private static Map<String, ImageCatalog.Release> loadImages(Snapshot snapshot, Report report) {
        Map<String, ImageCatalog.Release> releases = new LinkedHashMap<>();
        Map<String, String> definedIn = new LinkedHashMap<>();
        for (String file : snapshot.filesIn(IMAGES)) {
            if (!file.endsWith(".yaml") && !file.endsWith(".yml")) {
                continue;
            }
            Located<ImageCatalog> catalog = YamlBinder.bind(file, snapshot.text(file).orElseThrow(), ImageCatalog.class, report);
            if (catalog.value() == null) {
                continue;
            }
            CatalogChecks.check(catalog, report);
            List<ImageCatalog.Release> list = catalog.value().images();
            for (int i = 0; i < list.size(); i++) {
                ImageCatalog.Release r = list.get(i);
                String previous = definedIn.putIfAbsent(r.name(), file);
                if (previous != null) {
                    report.add(new Entry(Severity.ERROR, "DuplicateImage", FieldPath.of("images", i, "name"),
                            catalog.at(FieldPath.of("images", i, "name")),
                            "image \"" + r.name() + "\" is already defined in " + previous + "; names must be unique", file));
                } else {
                    releases.put(r.name(), r);
                }
            }
        }
        return releases;
    }

    private static LoadedCluster loadCluster(Snapshot snapshot, String name, Map<String, ImageCatalog.Release> images) {
        String dir = CLUSTERS + "/" + name;
        String file = dir + "/cluster.yaml";
        Report report = new Report();
        List<Snippet> snippets = new ArrayList<>();
        List<String> manifests = snapshot.under(dir + "/manifests");
        snapshot.tooLargeUnder(dir).forEach((f, size) -> report.add(tooLarge(f, size)));
        var text = snapshot.text(file);
        if (text.isEmpty() && snapshot.tooLarge().containsKey(file)) {
            return new LoadedCluster(name, new Located<>(null, file, Map.of()), snippets, manifests, report);
        }
        if (text.isEmpty()) {
            report.add(new Entry(Severity.ERROR, "MissingClusterFile", null, null,
                    "cluster directory " + dir + "/ has no cluster.yaml; add one or remove the directory", file));
            return new LoadedCluster(name, new Located<>(null, file, Map.of()), snippets, manifests, report);
        }
        Located<ClusterDocument> doc = YamlBinder.bind(file, text.get(), ClusterDocument.class, report);
        for (String pool : snapshot.subdirectories(dir + "/butane")) {
            for (String f : snapshot.filesIn(dir + "/butane/" + pool)) {
                if (f.endsWith(".bu")) {
                    snippets.add(Snippet.of(f, pool, snapshot.text(f).orElseThrow()));
                } else {
                    report.add(new Entry(Severity.WARNING, "StrayFile", null, null,
                            "ignored: Butane snippets must end in .bu", f));
                }
            }
        }
        if (doc.value() != null) {
            ClusterChecks.check(name, doc, snippets, manifests, images, report);
            // the add-ons' objects are part of the commit: a manifest that is not YAML or not an object is a config error
            report.addAll(AddonManifests.read(name, doc.value().spec(), snapshot).report());
        }
        return new LoadedCluster(name, doc, List.copyOf(snippets), manifests, report);
    }
}
