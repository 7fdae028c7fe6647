package io.nkd.ignition.validate;

import io.nkd.report.FieldPath;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Files, directories and links: each node on its own (path, owner, mode, overwrite, contents), then
 * the checks across nodes (nothing below a link, hard links, required link targets) and against
 * systemd units (a node may not be where a unit or dropin with contents is written).
 */
final class StorageNodeRules implements Rule {
    private static final String SYSTEMD_DIR = "/etc/systemd/system/";

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        JsonCursor storage = config.field("storage");
        List<JsonCursor> files = storage.objects("files");
        List<JsonCursor> directories = storage.objects("directories");
        List<JsonCursor> links = storage.objects("links");
        ResourceChecks resources = new ResourceChecks(ctx);

        for (JsonCursor file : files) {
            node(file, ctx);
            mode(file, ctx);
            if (file.isTrue("overwrite") && !file.field("contents").has("source")) {
                ctx.error(IgnitionMessages.ErrOverwriteAndNilSource, file.path().key("overwrite"));
            }
            resources.resource(file.field("contents"));
            file.objects("append").forEach(resources::resource);
        }
        for (JsonCursor directory : directories) {
            node(directory, ctx);
            mode(directory, ctx);
        }
        links.forEach(link -> node(link, ctx));

        belowLinks(directories, links, IgnitionMessages.ErrDirectoryUsedSymlink, ctx);
        belowLinks(files, links, IgnitionMessages.ErrFileUsedSymlink, ctx);
        for (JsonCursor link : links) {
            belowLinks(List.of(link), links, IgnitionMessages.ErrLinkUsedSymlink, ctx);
            linkTarget(link, directories, ctx);
        }
        systemdConflicts(config, ctx);
    }

    /** Go's {@code validatePath}: set, absolute and already in {@code path.Clean} form. */
    static Optional<IgnitionMessages> pathProblem(String path) {
        if (path.isEmpty()) {
            return Optional.of(IgnitionMessages.ErrNoPath);
        }
        if (!UnixPaths.isAbs(path)) {
            return Optional.of(IgnitionMessages.ErrPathRelative);
        }
        if (!UnixPaths.clean(path).equals(path)) {
            return Optional.of(IgnitionMessages.ErrDirtyPath);
        }
        return Optional.empty();
    }

    private static void node(JsonCursor node, ValidationContext ctx) {
        node.plainString("path").flatMap(StorageNodeRules::pathProblem)
                .ifPresent(p -> ctx.error(p, node.path().key("path")));
        for (String owner : List.of("user", "group")) {
            JsonCursor o = node.field(owner);
            if (o.has("id") && o.notEmpty("name")) {
                ctx.error(IgnitionMessages.ErrBothIDAndNameSet, o.path());
            }
        }
    }

    private static void mode(JsonCursor node, ValidationContext ctx) {
        Optional<Long> mode = node.integer("mode");
        if (mode.isEmpty()) {
            return;
        }
        FieldPath at = node.path().key("mode");
        long m = mode.get();
        if (m < 0 || m > 07777) {
            ctx.error(IgnitionMessages.ErrFileIllegalMode, at);
        }
        // Go converts to uint32 before masking, so negative modes show their low bits here too
        if (ctx.supports(SpecFeature.SPECIAL_MODE_BITS_WARNING) && (((int) m) & 07000) != 0) {
            ctx.warning(IgnitionMessages.ErrModeSpecialBits, at);
        }
    }

    /** One entry per link whose path is a proper prefix directory of the node's path. */
    private static void belowLinks(List<JsonCursor> nodes, List<JsonCursor> links, IgnitionMessages error,
                                   ValidationContext ctx) {
        for (JsonCursor node : nodes) {
            String path = node.stringOrEmpty("path");
            for (JsonCursor link : links) {
                if (path.startsWith(link.stringOrEmpty("path") + "/")) {
                    ctx.error(error, node.path());
                }
            }
        }
    }

    private static void linkTarget(JsonCursor link, List<JsonCursor> directories, ValidationContext ctx) {
        // from 3.3.0 the target is a pointer, and unset or empty is an error; before, a plain string
        if (ctx.supports(SpecFeature.POINTER_LINK_TARGET_AND_RAID_LEVEL) && link.nilOrEmpty("target")) {
            ctx.error(IgnitionMessages.ErrLinkTargetRequired, link.path().key("target"));
            return;
        }
        String target = link.stringOrEmpty("target");
        if (!link.isTrue("hard")) {
            return;
        }
        // Ignition resolves a relative hard-link target against the link path itself
        String resolved = UnixPaths.clean(target);
        if (!UnixPaths.isAbs(resolved)) {
            resolved = UnixPaths.join(link.stringOrEmpty("path"), target);
        }
        for (JsonCursor directory : directories) {
            if (resolved.equals(directory.stringOrEmpty("path"))) {
                ctx.error(IgnitionMessages.ErrHardLinkToDirectory, link.path());
            }
        }
        for (String owner : List.of("user", "group")) {
            for (String field : List.of("id", "name")) {
                if (link.field(owner).has(field)) {
                    ctx.warning(IgnitionMessages.ErrHardLinkSpecifiesOwner, link.path().key(owner).key(field));
                }
            }
        }
    }

    /** Units and dropins with contents own their files under /etc/systemd/system. */
    private static void systemdConflicts(JsonCursor config, ValidationContext ctx) {
        Set<String> unitPaths = new HashSet<>();
        for (JsonCursor unit : config.field("systemd").objects("units")) {
            String name = unit.stringOrEmpty("name");
            if (unit.notEmpty("contents")) {
                unitPaths.add(SYSTEMD_DIR + name);
            }
            for (JsonCursor dropin : unit.objects("dropins")) {
                if (dropin.notEmpty("contents")) {
                    unitPaths.add(SYSTEMD_DIR + name + ".d/" + dropin.stringOrEmpty("name"));
                }
            }
        }
        JsonCursor storage = config.field("storage");
        for (String kind : List.of("files", "directories", "links")) {
            for (JsonCursor node : storage.objects(kind)) {
                if (unitPaths.contains(node.stringOrEmpty("path"))) {
                    ctx.error(IgnitionMessages.ErrPathConflictsSystemd, node.path().key("path"));
                }
            }
        }
    }
}
