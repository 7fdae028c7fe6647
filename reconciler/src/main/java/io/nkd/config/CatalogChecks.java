package io.nkd.config;

import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.Located;
import java.util.List;
import java.util.regex.Pattern;

/** Rules for image catalogs. */
final class CatalogChecks {
    static final Pattern DIGEST_PINNED = Pattern.compile("[^@\\s]+@sha256:[0-9a-f]{64}");

    private CatalogChecks() {
    }

    static void check(Located<ImageCatalog> catalog, Report report) {
        ImageCatalog c = catalog.value();
        Rules rules = new Rules(catalog, report);
        if (!ClusterDocument.API_VERSION.equals(c.apiVersion())) {
            rules.error("BadApiVersion", FieldPath.of("apiVersion"), "apiVersion must be " + ClusterDocument.API_VERSION);
        }
        if (!"ImageCatalog".equals(c.kind())) {
            rules.error("BadKind", FieldPath.of("kind"), "kind must be ImageCatalog in " + ConfigLoader.IMAGES + "/");
        }
        List<ImageCatalog.Release> images = c.images();
        for (int i = 0; i < images.size(); i++) {
            ImageCatalog.Release r = images.get(i);
            FieldPath at = FieldPath.of("images", i);
            if (!DIGEST_PINNED.matcher(r.osImageURL()).matches()) {
                rules.error("ImageNotPinned", at.key("osImageURL"), "osImageURL must be pinned by digest "
                        + "(…@sha256:<64 hex digits>) so every node runs exactly the same OS; a tag can move");
            }
            try {
                KubernetesVersion.parse(r.kubernetesVersion());
            } catch (IllegalArgumentException e) {
                rules.error("BadKubernetesVersion", at.key("kubernetesVersion"), e.getMessage());
            }
        }
    }

    /** Adds located entries for one bound document. */
    record Rules(Located<?> doc, Report report) {
        void error(String code, FieldPath path, String message) {
            add(Severity.ERROR, code, path, message);
        }

        void warning(String code, FieldPath path, String message) {
            add(Severity.WARNING, code, path, message);
        }

        void add(Severity severity, String code, FieldPath path, String message) {
            report.add(new Entry(severity, code, path, doc.at(path), message, doc.file()));
        }
    }
}
