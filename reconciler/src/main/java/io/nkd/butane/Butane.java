package io.nkd.butane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.merge.IgnitionMerger;
import io.nkd.ignition.merge.MergeResult;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.ignition.spec.IgnitionSpec;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.ignition.validate.IgnitionValidator;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.YamlSource;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Butane ({@code variant: fcos}, 1.0.0–1.7.0) to Ignition (3.0.0–3.6.0): the engine behind {@code nkd butane}
 * and behind every node config nkd renders. Pure: it reads local files only through the files directory
 * it is given, and never throws for bad input — problems come back as a located {@link Report}.
 *
 * <p>The steps follow butane: read YAML against the spec, check the source, desugar resources, merge
 * generated mount units, expand trees, merge the generated boot-device and GRUB configs, then validate
 * the result with Ignition's rules and report every problem at the YAML line the user wrote.
 */
public final class Butane {
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");

    /** @param filesDir the {@code -d/--files-dir} directory, or null */
    public record Options(Path filesDir) {
        public static Options defaults() {
            return new Options(null);
        }
    }

    /**
     * The translated config (null when the report is fatal), every problem found, and where each output path
     * came from in the YAML (for problems callers find later, e.g. a snippet writing a path nkd owns).
     */
    public record Result(ObjectNode config, Report report, IgnitionVersion ignitionVersion, Provenance provenance) {
        public Result(ObjectNode config, Report report, IgnitionVersion ignitionVersion) {
            this(config, report, ignitionVersion, p -> new SourceMap.Origin(p, null));
        }

        public boolean ok(boolean strict) {
            return config != null && !report.isFatal(strict);
        }

        /** The YAML path and location that produced an output (Ignition JSON) path. */
        public SourceMap.Origin origin(FieldPath outputPath) {
            return provenance.resolve(outputPath);
        }
    }

    private Butane() {
    }

    public static Result translate(String yaml, Options options) {
        Report report = new Report();
        YamlSource.Parsed parsed = YamlSource.parse(yaml);
        report.addAll(parsed.report());
        if (!parsed.ok()) {
            return new Result(null, report, null);
        }
        Node root = parsed.root();
        if (root == null) {
            report.add(new Entry(Severity.ERROR, "ErrNoVariant", FieldPath.of("variant"), null,
                    ButaneMessages.NO_VARIANT + " (the input is empty)"));
            return new Result(null, report, null);
        }
        if (!(root instanceof MappingNode rootMap)) {
            report.add(new Entry(Severity.ERROR, "ErrNotAnObject", FieldPath.ROOT, YamlSource.location(root),
                    "a Butane config must be a mapping with variant and version keys"));
            return new Result(null, report, null);
        }
        ButaneVersion version = header(rootMap, report);
        if (version == null) {
            return new Result(null, report, null);
        }

        SourceMap sourceMap = new SourceMap();
        SchemaWalker walker = new SchemaWalker(version, report, sourceMap);
        walker.consume(FieldPath.ROOT, Set.of("variant", "version"));
        ObjectNode tree = walker.object(root, IgnitionSpec.CONFIG, FieldPath.ROOT, FieldPath.ROOT, true);
        if (report.hasErrors() || tree == null) {
            return new Result(null, report, version.ignition());
        }

        Translation t = new Translation(version, tree, report, sourceMap, new LocalFiles(options.filesDir()));
        SourceChecks.check(t);
        ResourceSugar.apply(t);
        if (!report.hasErrors()) {
            MountUnits.apply(t);
            Trees.apply(t);
            BootDevice.apply(t);
            PartitionChecks.check(t);
            GrubUsers.apply(t);
        }
        if (report.hasErrors()) {
            return new Result(null, report, version.ignition());
        }
        ObjectNode config = t.finish();
        Report validation = IgnitionValidator.validate(config, version.ignition());
        for (Entry e : validation.entries()) {
            report.add(t.locate(e));
        }
        return new Result(report.hasErrors() ? null : config, report, version.ignition(), t.provenance);
    }

    /** Reads {@code variant} and {@code version}; null (with a report entry) when no translator matches. */
    private static ButaneVersion header(MappingNode root, Report report) {
        String variant = null;
        String versionText = null;
        Node versionNode = root;
        for (NodeTuple t : root.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && t.getValueNode() instanceof ScalarNode v) {
                if (k.getValue().equals("variant")) {
                    variant = v.getValue();
                } else if (k.getValue().equals("version")) {
                    versionText = v.getValue();
                    versionNode = v;
                }
            }
        }
        if (variant == null || variant.isEmpty()) {
            report.add(new Entry(Severity.ERROR, "ErrNoVariant", FieldPath.of("variant"), null, ButaneMessages.NO_VARIANT));
            return null;
        }
        if (versionText == null || !SEMVER.matcher(versionText).matches()) {
            report.add(new Entry(Severity.ERROR, "ErrInvalidVersion", FieldPath.of("version"),
                    YamlSource.location(versionNode), ButaneMessages.INVALID_VERSION));
            return null;
        }
        ButaneVersion version = "fcos".equals(variant) ? ButaneVersion.parse(versionText).orElse(null) : null;
        if (version == null) {
            report.add(new Entry(Severity.ERROR, "ErrUnknownVersion", null, null,
                    ButaneMessages.noTranslator(variant, versionText)
                            + "; supported: variant fcos, versions 1.0.0 to 1.7.0"));
        }
        return version;
    }

    /** Everything one translation works on; the desugaring steps read and replace its config. */
    static final class Translation {
        final ButaneVersion version;
        final Report report;
        final LocalFiles localFiles;
        /** The Butane-shaped YAML tree as read (sugar keys still present), for source checks. */
        final ObjectNode source;
        /** Where YAML paths were written (for reports on source paths). */
        final SourceMap sourceMap;
        ObjectNode config;
        Provenance provenance;

        Translation(ButaneVersion version, ObjectNode tree, Report report, SourceMap sourceMap, LocalFiles localFiles) {
            this.version = version;
            this.source = tree.deepCopy();
            this.config = tree;
            this.report = report;
            this.sourceMap = sourceMap;
            this.localFiles = localFiles;
            this.provenance = sourceMap::origin;
        }

        IgnitionVersion ignition() {
            return version.ignition();
        }

        /**
         * Reports a problem at a path of the config as read (before any merge); the entry names the YAML
         * path and location the user wrote.
         */
        void at(Severity severity, String code, FieldPath sourcePath, String message) {
            SourceMap.Origin o = sourceMap.origin(sourcePath);
            report.add(new Entry(severity, code, o.yamlPath(), o.location(), message));
        }

        /** Merges a generated config under the user's config (generated = parent, user = child). */
        void mergeGenerated(ObjectNode generated, SourceMap generatedMap) {
            if (generated.isEmpty()) {
                return;
            }
            MergeResult merged = IgnitionMerger.merge(generated, config);
            provenance = Provenance.merged(merged.transcript(), Provenance.generated(generatedMap), provenance);
            config = merged.config();
        }

        /** Maps an entry found at an output (JSON) path to the Butane path and location the user wrote. */
        Entry locate(Entry e) {
            if (e.path() == null) {
                return e;
            }
            SourceMap.Origin o = provenance.resolve(e.path());
            FieldPath yamlPath = o.yamlPath() == null ? e.path() : o.yamlPath();
            return new Entry(e.severity(), e.code(), yamlPath, o.location(), e.message());
        }

        /** The final config: ignition.version set, every object's keys in Ignition's order. */
        ObjectNode finish() {
            ObjectNode ignition = config.has("ignition") ? (ObjectNode) config.get("ignition") : config.objectNode();
            ignition.put("version", version.ignition().text());
            config.set("ignition", ignition);
            return (ObjectNode) canonical(config, IgnitionSpec.CONFIG);
        }

        /** Keys in the spec's order (Go struct order), so output is stable and reads like butane's. */
        private static JsonNode canonical(JsonNode node, io.nkd.ignition.spec.FieldType type) {
            if (type instanceof io.nkd.ignition.spec.ObjectType ot && node instanceof ObjectNode obj) {
                ObjectNode out = obj.objectNode();
                for (io.nkd.ignition.spec.Field f : ot.fields()) {
                    JsonNode v = obj.get(f.jsonName());
                    if (v != null && !f.isButaneOnly()) {
                        out.set(f.jsonName(), canonical(v, f.type()));
                    }
                }
                return out;
            }
            if (type instanceof io.nkd.ignition.spec.FieldType.ListOf list && node.isArray()) {
                var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                node.forEach(e -> out.add(canonical(e, list.element())));
                return out;
            }
            return node;
        }
    }
}
