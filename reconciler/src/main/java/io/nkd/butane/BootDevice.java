package io.nkd.butane;

import static io.nkd.butane.JsonTrees.JSON;
import static io.nkd.butane.JsonTrees.isTrue;
import static io.nkd.butane.JsonTrees.obj;
import static io.nkd.butane.JsonTrees.strings;
import static io.nkd.butane.JsonTrees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane.Translation;
import io.nkd.report.FieldPath;
import java.util.List;

/**
 * {@code boot_device}: mirrors the boot disk across several disks (RAID1 for /boot and /) and/or encrypts
 * the root filesystem with LUKS bound to TPM2, Tang or CEX. The partition layout replicates the OS image's
 * own, per architecture; sizes must never change for an existing layout.
 */
final class BootDevice {
    private static final String RESERVED_GUID = "8DA63339-0007-60C0-C436-083AC8230908";
    private static final String BIOS_GUID = "21686148-6449-6E6F-744E-656564454649";
    private static final String PREP_GUID = "9E1A2D38-C612-4316-AA26-8B49521E5A8B";
    private static final String ESP_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    private static final int RESERVED_MIB = 1;
    private static final int BIOS_MIB = 1;
    private static final int PREP_MIB = 4;
    private static final int ESP_MIB = 127;
    private static final int BOOT_MIB = 384;

    private BootDevice() {
    }

    static void apply(Translation t) {
        JsonNode removed = t.config.remove("boot_device");
        if (!(removed instanceof ObjectNode bd)) {
            return;
        }
        ObjectNode luks = obj(bd, "luks");
        boolean wantLuks = isTrue(luks, "tpm2") || (luks != null && luks.has("tang") && !luks.get("tang").isEmpty())
                || isTrue(obj(luks, "cex"), "enabled");
        List<String> mirror = strings(obj(bd, "mirror"), "devices");
        boolean wantMirror = !mirror.isEmpty();
        if (!wantLuks && !wantMirror) {
            return;
        }
        String layout = text(bd, "layout");
        String arch = layout == null ? "x86_64" : layout;
        boolean bios = arch.equals("x86_64");
        boolean efi = arch.equals("x86_64") || arch.equals("aarch64");
        boolean prep = arch.equals("ppc64le");

        SourceMap map = new SourceMap();
        FieldPath bdPath = FieldPath.of("boot_device");
        SourceMap.Origin bdOrigin = t.sourceMap.origin(bdPath);
        ObjectNode generated = JSON.objectNode();
        ObjectNode storage = generated.putObject("storage");
        ArrayNode filesystems = JSON.arrayNode();
        map.put(FieldPath.of("storage"), bdOrigin);

        if (wantMirror) {
            ArrayNode disks = storage.putArray("disks");
            for (int i = 0; i < mirror.size(); i++) {
                int n = i + 1;
                SourceMap.Origin devOrigin = t.sourceMap.origin(bdPath.key("mirror").key("devices").index(i));
                ObjectNode disk = disks.addObject();
                disk.put("device", mirror.get(i));
                ArrayNode parts = disk.putArray("partitions");
                if (bios) {
                    partition(parts, "bios-" + n, BIOS_MIB, BIOS_GUID);
                } else if (prep) {
                    partition(parts, "prep-" + n, PREP_MIB, PREP_GUID);
                } else {
                    partition(parts, "reserved-" + n, RESERVED_MIB, RESERVED_GUID);
                }
                if (efi) {
                    partition(parts, "esp-" + n, ESP_MIB, ESP_GUID);
                } else {
                    partition(parts, "reserved-" + n, RESERVED_MIB, RESERVED_GUID);
                }
                partition(parts, "boot-" + n, BOOT_MIB, null);
                parts.addObject().put("label", "root-" + n);
                disk.put("wipeTable", true);
                map.put(FieldPath.of("storage", "disks", i), devOrigin);
                if (efi) {
                    map.put(FieldPath.of("storage", "filesystems", filesystems.size()), devOrigin);
                    filesystem(filesystems, "/dev/disk/by-partlabel/esp-" + n, "vfat", "esp-" + n);
                }
            }
            map.put(FieldPath.of("storage", "disks"), t.sourceMap.origin(bdPath.key("mirror").key("devices")));
            SourceMap.Origin mirrorOrigin = t.sourceMap.origin(bdPath.key("mirror"));
            ArrayNode raid = storage.putArray("raid");
            raid(raid, "md-boot", "boot", mirror.size()).putArray("options").add("--metadata=1.0");
            raid(raid, "md-root", "root", mirror.size());
            map.put(FieldPath.of("storage", "raid"), mirrorOrigin);
            map.put(FieldPath.of("storage", "filesystems", filesystems.size()), mirrorOrigin);
            filesystem(filesystems, "/dev/md/md-boot", "ext4", "boot");
        }

        if (wantLuks) {
            String device;
            if ("s390x-eckd".equals(layout)) {
                device = text(luks, "device") + "2";
            } else if ("s390x-zfcp".equals(layout)) {
                device = text(luks, "device") + "4";
            } else if (wantMirror) {
                device = "/dev/md/md-root";
            } else {
                device = "/dev/disk/by-partlabel/root";
            }
            ObjectNode entry = storage.putArray("luks").addObject();
            if (isTrue(obj(luks, "cex"), "enabled")) {
                entry.putObject("cex").put("enabled", true);
            } else {
                ObjectNode clevis = entry.putObject("clevis");
                for (String key : new String[] {"tang", "threshold", "tpm2"}) {
                    if (luks.has(key)) {
                        clevis.set(key, luks.get(key).deepCopy());
                    }
                }
            }
            entry.put("device", device);
            if (luks.has("discard")) {
                entry.set("discard", luks.get("discard").deepCopy());
            }
            entry.put("label", "luks-root");
            entry.put("name", "root");
            entry.put("wipeVolume", true);
            SourceMap.Origin luksOrigin = t.sourceMap.origin(bdPath.key("luks"));
            map.put(FieldPath.of("storage", "luks"), luksOrigin);
            map.put(FieldPath.of("storage", "luks", 0), luksOrigin);
        }

        map.put(FieldPath.of("storage", "filesystems"), bdOrigin);
        map.put(FieldPath.of("storage", "filesystems", filesystems.size()), bdOrigin);
        filesystem(filesystems, wantLuks ? "/dev/mapper/root" : "/dev/md/md-root", "xfs", "root");
        storage.set("filesystems", filesystems);
        t.mergeGenerated(generated, map);
    }

    private static void partition(ArrayNode parts, String label, int sizeMiB, String typeGuid) {
        ObjectNode p = parts.addObject();
        p.put("label", label);
        p.put("sizeMiB", sizeMiB);
        if (typeGuid != null) {
            p.put("typeGuid", typeGuid);
        }
    }

    private static void filesystem(ArrayNode list, String device, String format, String label) {
        ObjectNode fs = list.addObject();
        fs.put("device", device);
        fs.put("format", format);
        fs.put("label", label);
        fs.put("wipeFilesystem", true);
    }

    private static ObjectNode raid(ArrayNode list, String name, String labelPrefix, int count) {
        ObjectNode r = list.addObject();
        ArrayNode devices = r.putArray("devices");
        for (int i = 1; i <= count; i++) {
            devices.add("/dev/disk/by-partlabel/" + labelPrefix + "-" + i);
        }
        r.put("level", "raid1");
        r.put("name", name);
        return r;
    }
}
