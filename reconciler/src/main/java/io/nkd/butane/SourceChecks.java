package io.nkd.butane;

import static io.nkd.butane.JsonTrees.integer;
import static io.nkd.butane.JsonTrees.isTrue;
import static io.nkd.butane.JsonTrees.notEmpty;
import static io.nkd.butane.JsonTrees.obj;
import static io.nkd.butane.JsonTrees.objects;
import static io.nkd.butane.JsonTrees.strings;
import static io.nkd.butane.JsonTrees.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane.Translation;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.ignition.spec.IgnitionSpec;
import io.nkd.report.FieldPath;
import io.nkd.report.Severity;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Butane's own rules on the source config, checked before desugaring (butane's "source validation"). */
final class SourceChecks {
    private static final Pattern ALLOWED_MOUNTPOINTS = Pattern.compile("^/(etc|var)(/|$)");
    private static final Pattern DASD = Pattern.compile("/dev/dasd[a-z]$");
    private static final Pattern SD = Pattern.compile("/dev/sd[a-z]$");
    private static final String COREOS_BOOT_DISK = "/dev/disk/by-id/coreos-boot-disk";

    private SourceChecks() {
    }

    static void check(Translation t) {
        ObjectNode c = t.source;
        SpecWalk.walk(c, IgnitionSpec.CONFIG, FieldPath.ROOT, (node, type, path) -> {
            switch (type.name()) {
                case "Resource", "FileResource" -> resourceSources(t, node, path);
                case "File", "Directory" -> decimalMode(t, node, path.key("mode"), "Directory".equals(type.name()));
                case "Unit", "Dropin" -> unitSources(t, node, path);
                case "Tree" -> tree(t, node, path);
                default -> {
                }
            }
        });
        ObjectNode storage = obj(c, "storage");
        filesystems(t, storage);
        bootDevice(t, obj(c, "boot_device"));
        reuseByLabel(t, storage, obj(c, "boot_device"));
        grubUsers(t, obj(c, "grub"));
    }

    private static void resourceSources(Translation t, ObjectNode r, FieldPath path) {
        int sources = 0;
        String last = null;
        for (String key : List.of("local", "inline", "source")) {
            if (r.has(key)) {
                sources++;
                last = key;
            }
        }
        if (sources > 1) {
            t.at(Severity.ERROR, "ErrTooManyResourceSources", path.key(last), ButaneMessages.TOO_MANY_RESOURCE_SOURCES);
        }
    }

    private static void unitSources(Translation t, ObjectNode unit, FieldPath path) {
        if (notEmpty(text(unit, "contents")) && notEmpty(text(unit, "contents_local"))) {
            t.at(Severity.ERROR, "ErrTooManySystemdSources", path.key("contents_local"),
                    ButaneMessages.TOO_MANY_UNIT_SOURCES);
        }
    }

    private static void decimalMode(Translation t, ObjectNode node, FieldPath modePath, boolean directory) {
        Integer mode = integer(node, (String) modePath.last());
        if (mode != null && Modes.looksDecimal(mode, directory)) {
            t.at(Severity.WARNING, "ErrDecimalMode", modePath, ButaneMessages.DECIMAL_MODE);
        }
    }

    private static void tree(Translation t, ObjectNode tree, FieldPath path) {
        if (!tree.has("local")) {
            t.at(Severity.ERROR, "ErrTreeNoLocal", path.key("local"), ButaneMessages.TREE_NO_LOCAL);
        }
        decimalMode(t, tree, path.key("file_mode"), false);
        decimalMode(t, tree, path.key("dir_mode"), true);
    }

    private static void filesystems(Translation t, ObjectNode storage) {
        List<ObjectNode> list = objects(storage, "filesystems");
        for (int i = 0; i < list.size(); i++) {
            ObjectNode fs = list.get(i);
            FieldPath p = FieldPath.of("storage", "filesystems", i);
            if (fs == null || !isTrue(fs, "with_mount_unit")) {
                continue;
            }
            String format = text(fs, "format");
            if (!notEmpty(format)) {
                t.at(Severity.ERROR, "ErrMountUnitNoFormat", p.key("format"), ButaneMessages.MOUNT_UNIT_NO_FORMAT);
            } else if (!notEmpty(text(fs, "path"))
                    && !("swap".equals(format) && t.version.atLeast(ButaneVersion.FCOS_1_4_0))) {
                t.at(Severity.ERROR, "ErrMountUnitNoPath", p.key("path"), ButaneMessages.MOUNT_UNIT_NO_PATH);
            }
            String path = text(fs, "path");
            if (path != null && t.version.atLeast(ButaneVersion.FCOS_1_6_0) && !ALLOWED_MOUNTPOINTS.matcher(path).find()) {
                t.at(Severity.ERROR, "ErrMountPointForbidden", p.key("path"), ButaneMessages.MOUNT_POINT_FORBIDDEN);
            }
        }
    }

    private static void bootDevice(Translation t, ObjectNode bd) {
        if (bd == null) {
            return;
        }
        FieldPath p = FieldPath.of("boot_device");
        ObjectNode luks = obj(bd, "luks");
        List<String> mirror = strings(obj(bd, "mirror"), "devices");
        String layout = text(bd, "layout");
        boolean s390 = t.version.atLeast(ButaneVersion.FCOS_1_6_0);
        if (!mirror.isEmpty() && layout == null) {
            boolean fatal = t.version.atLeast(ButaneVersion.FCOS_1_7_0);
            t.at(fatal ? Severity.ERROR : Severity.WARNING, "ErrMirrorRequiresLayout", p.key("mirror"),
                    ButaneMessages.MIRROR_REQUIRES_LAYOUT);
        }
        if (layout != null) {
            String device = text(luks, "device");
            switch (layout) {
                case "aarch64", "ppc64le", "x86_64" -> {
                }
                case "s390x-eckd", "s390x-zfcp", "s390x-virt" -> {
                    if (!s390) {
                        t.at(Severity.ERROR, "ErrUnknownBootDeviceLayout", p.key("layout"),
                                ButaneMessages.UNKNOWN_BOOT_DEVICE_LAYOUT_OLD);
                    } else if (!layout.equals("s390x-virt")) {
                        Pattern re = layout.equals("s390x-eckd") ? DASD : SD;
                        if (!notEmpty(device)) {
                            t.at(Severity.ERROR, "ErrNoLuksBootDevice", p.key("layout"), ButaneMessages.NO_LUKS_BOOT_DEVICE);
                        } else if (!re.matcher(device).find()) {
                            t.at(Severity.ERROR, "ErrLuksBootDeviceBadName", p.key("layout"),
                                    ButaneMessages.LUKS_BOOT_DEVICE_BAD_NAME);
                        }
                    }
                }
                default -> t.at(Severity.ERROR, "ErrUnknownBootDeviceLayout", p.key("layout"),
                        s390 ? ButaneMessages.UNKNOWN_BOOT_DEVICE_LAYOUT : ButaneMessages.UNKNOWN_BOOT_DEVICE_LAYOUT_OLD);
            }
            if (layout.startsWith("s390x") && !mirror.isEmpty()) {
                t.at(Severity.ERROR, "ErrMirrorNotSupport", p.key("layout"), ButaneMessages.MIRROR_NOT_SUPPORTED);
            }
        }
        if (isTrue(obj(luks, "cex"), "enabled")) {
            if (layout == null) {
                t.at(Severity.ERROR, "ErrCexArchitectureMismatch", p.key("luks").key("cex"),
                        ButaneMessages.CEX_ARCHITECTURE_MISMATCH);
            } else if (!layout.startsWith("s390x")) {
                t.at(Severity.ERROR, "ErrCexArchitectureMismatch", p.key("layout"), ButaneMessages.CEX_ARCHITECTURE_MISMATCH);
            }
            if (!objects(luks, "tang").isEmpty() || isTrue(luks, "tpm2")) {
                t.at(Severity.ERROR, "ErrCexWithClevis", p.key("luks"), ButaneMessages.CEX_WITH_CLEVIS);
            }
        }
        if (mirror.size() == 1) {
            t.at(Severity.ERROR, "ErrTooFewMirrorDevices", p.key("mirror").key("devices"),
                    ButaneMessages.TOO_FEW_MIRROR_DEVICES);
        }
    }

    /** fcos 1.6+: a partition named only by label is reused only when it exists; say so. */
    private static void reuseByLabel(Translation t, ObjectNode storage, ObjectNode bootDevice) {
        if (!t.version.atLeast(ButaneVersion.FCOS_1_6_0)) {
            return;
        }
        Set<String> mirrorDevices = new HashSet<>(strings(obj(bootDevice, "mirror"), "devices"));
        List<ObjectNode> disks = objects(storage, "disks");
        for (int i = 0; i < disks.size(); i++) {
            ObjectNode disk = disks.get(i);
            String device = text(disk, "device");
            if (disk == null || COREOS_BOOT_DISK.equals(device) || isTrue(disk, "wipeTable")
                    || mirrorDevices.contains(device)) {
                continue;
            }
            List<ObjectNode> parts = objects(disk, "partitions");
            for (int p = 0; p < parts.size(); p++) {
                ObjectNode part = parts.get(p);
                Integer number = integer(part, "number");
                if ((number == null || number == 0) && part != null && part.has("label")) {
                    t.at(Severity.WARNING, "ErrReuseByLabel", FieldPath.of("storage", "disks", i, "partitions", p, "number"),
                            ButaneMessages.REUSE_BY_LABEL);
                }
            }
        }
    }

    private static void grubUsers(Translation t, ObjectNode grub) {
        List<ObjectNode> users = objects(grub, "users");
        for (int i = 0; i < users.size(); i++) {
            ObjectNode u = users.get(i);
            FieldPath p = FieldPath.of("grub", "users", i);
            if (!notEmpty(text(u, "name"))) {
                t.at(Severity.ERROR, "ErrGrubUserNameNotSpecified", p.key("name"), ButaneMessages.GRUB_USER_NAME_NOT_SPECIFIED);
            }
            if (!notEmpty(text(u, "password_hash"))) {
                t.at(Severity.ERROR, "ErrGrubPasswordNotSpecified", p.key("password_hash"),
                        ButaneMessages.GRUB_PASSWORD_NOT_SPECIFIED);
            }
        }
    }
}
