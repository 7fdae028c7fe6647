package io.nkd.ignition.validate;

import io.nkd.report.FieldPath;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Block storage: disks and their partitions, RAID arrays and filesystems. */
final class DiskRules implements Rule {
    private static final Pattern GUID = Pattern.compile(
            "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$");

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        JsonCursor storage = config.field("storage");
        for (JsonCursor disk : storage.objects("disks")) {
            disk(disk, ctx);
            disk.objects("partitions").forEach(p -> partition(p, ctx));
        }
        for (JsonCursor raid : storage.objects("raid")) {
            raid(raid, ctx);
        }
        Map<String, JsonCursor> disksByDevice = new HashMap<>();
        storage.objects("disks").forEach(d -> disksByDevice.put(d.stringOrEmpty("device"), d));
        for (JsonCursor fs : storage.objects("filesystems")) {
            filesystem(fs, ctx);
            JsonCursor disk = disksByDevice.get(fs.stringOrEmpty("device"));
            if (disk != null) {
                FieldPath at = fs.path().key("device");
                if (disk.length("partitions") > 0) {
                    ctx.warning(IgnitionMessages.ErrPartitionsOverwritten, at);
                } else if (!fs.isTrue("wipeFilesystem") && disk.isTrue("wipeTable")) {
                    ctx.warning(IgnitionMessages.ErrFilesystemImplicitWipe, at);
                }
            }
        }
    }

    private static void disk(JsonCursor disk, ValidationContext ctx) {
        Optional<String> plainDevice = disk.plainString("device");
        if (plainDevice.isEmpty()) {
            return;
        }
        String device = plainDevice.get();
        if (device.isEmpty()) {
            // Ignition stops checking the disk here (its partitions are still checked one by one)
            ctx.error(IgnitionMessages.ErrDiskDeviceRequired, disk.path().key("device"));
            return;
        }
        StorageNodeRules.pathProblem(device).ifPresent(p -> ctx.error(p, disk.path().key("device")));
        List<JsonCursor> partitions = disk.elements("partitions");
        FieldPath list = disk.path().key("partitions");
        numbersCollide(partitions).ifPresent(i -> ctx.error(IgnitionMessages.ErrPartitionNumbersCollide, list.index(i)));
        overlap(partitions).ifPresent(i -> ctx.error(IgnitionMessages.ErrPartitionsOverlap, list.index(i)));
        boolean hasZero = false;
        boolean hasShouldNotExist = false;
        for (JsonCursor p : partitions) {
            hasShouldNotExist |= p.isFalse("shouldExist");
            hasZero |= number(p) == 0;
        }
        if (hasZero && hasShouldNotExist) {
            ctx.error(IgnitionMessages.ErrZeroesWithShouldNotExist, list);
        }
        labelsCollide(partitions).ifPresent(i -> ctx.error(IgnitionMessages.ErrDuplicateLabels, list.index(i)));
    }

    private static long number(JsonCursor partition) {
        return partition.integer("number").orElse(0L);
    }

    /** The second index of the first partition number used twice (number 0 means "next free"). */
    private static Optional<Integer> numbersCollide(List<JsonCursor> partitions) {
        Map<Long, Integer> first = new LinkedHashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            long n = number(partitions.get(i));
            if (n != 0 && first.putIfAbsent(n, i) != null) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private static Optional<Integer> labelsCollide(List<JsonCursor> partitions) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            Optional<String> label = partitions.get(i).string("label");
            if (label.isPresent() && !seen.add(label.get())) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether explicitly placed partitions overlap: for the first partition (in order) that overlaps
     * any other, the index of that other. Partitions at start 0 are placed by sgdisk, so they are
     * skipped; size 0 means "fill", so such a partition ends where it starts.
     */
    private static Optional<Integer> overlap(List<JsonCursor> partitions) {
        for (int a = 0; a < partitions.size(); a++) {
            Optional<long[]> p = extent(partitions.get(a));
            if (p.isEmpty()) {
                continue;
            }
            for (int b = 0; b < partitions.size(); b++) {
                Optional<long[]> o = extent(partitions.get(b));
                if (b == a || o.isEmpty()) {
                    continue;
                }
                long ps = p.get()[0];
                long pe = p.get()[1];
                long os = o.get()[0];
                long oe = o.get()[1];
                if ((ps >= os && ps <= oe) || (pe >= os && pe <= oe) || (ps < os && pe > oe)) {
                    return Optional.of(b);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<long[]> extent(JsonCursor partition) {
        Optional<Long> start = partition.integer("startMiB");
        Optional<Long> size = partition.integer("sizeMiB");
        if (start.isEmpty() || size.isEmpty() || start.get() == 0) {
            return Optional.empty();
        }
        long end = size.get() == 0 ? start.get() : start.get() + size.get() - 1;
        return Optional.of(new long[] {start.get(), end});
    }

    private static void partition(JsonCursor p, ValidationContext ctx) {
        if (p.isFalse("shouldExist") && (p.has("label") || p.notEmpty("typeGuid") || p.notEmpty("guid")
                || p.has("startMiB") || p.has("sizeMiB"))) {
            ctx.error(IgnitionMessages.ErrShouldNotExistWithOthers, p.path());
        }
        if (number(p) == 0 && !p.has("label")) {
            ctx.error(IgnitionMessages.ErrNeedLabelOrNumber, p.path());
        }
        p.string("label").ifPresent(label -> {
            // GPT names hold 36 UTF-16 code units; Ignition counts bytes, as Go's len() does
            if (label.getBytes(StandardCharsets.UTF_8).length > 36) {
                ctx.error(IgnitionMessages.ErrLabelTooLong, p.path().key("label"));
            } else if (label.contains(":")) {
                // sgdisk splits its arguments at colons and has no escape for them
                ctx.error(IgnitionMessages.ErrLabelContainsColon, p.path().key("label"));
            }
        });
        for (String key : List.of("guid", "typeGuid")) {
            p.string(key).filter(g -> !GUID.matcher(g).matches())
                    .ifPresent(g -> ctx.error(IgnitionMessages.ErrDoesntMatchGUIDRegex, p.path().key(key)));
        }
    }

    private static void raid(JsonCursor raid, ValidationContext ctx) {
        FieldPath at = raid.path().key("level");
        Optional<String> level = raid.string("level");
        if (raid.plainString("level").isEmpty()) {
            // a level of the wrong JSON type is the structural checker's to report
        } else if (ctx.supports(SpecFeature.POINTER_LINK_TARGET_AND_RAID_LEVEL) && raid.nilOrEmpty("level")) {
            ctx.error(IgnitionMessages.ErrRaidLevelRequired, at);
        } else {
            switch (level.orElse("")) {
                case "linear", "raid0", "0", "stripe" -> {
                    if (raid.integer("spares").orElse(0L) != 0) {
                        ctx.error(IgnitionMessages.ErrSparesUnsupportedForLevel, at);
                    }
                }
                case "raid1", "1", "mirror", "raid4", "4", "raid5", "5", "raid6", "6", "raid10", "10" -> {
                }
                default -> ctx.error(IgnitionMessages.ErrUnrecognizedRaidLevel, at);
            }
        }
        if (raid.length("devices") == 0) {
            ctx.error(IgnitionMessages.ErrRaidDevicesRequired, raid.path().key("devices"));
        }
    }

    private static void filesystem(JsonCursor fs, ValidationContext ctx) {
        fs.string("path").filter(p -> !p.isEmpty()).flatMap(StorageNodeRules::pathProblem)
                .ifPresent(p -> ctx.error(p, fs.path().key("path")));
        fs.plainString("device").flatMap(StorageNodeRules::pathProblem)
                .ifPresent(p -> ctx.error(p, fs.path().key("device")));
        Optional<String> format = fs.string("format").filter(f -> !f.isEmpty());
        if (format.isEmpty()) {
            if (fs.notEmpty("path") || fs.notEmpty("label") || fs.notEmpty("uuid") || fs.isTrue("wipeFilesystem")
                    || fs.length("mountOptions") != 0 || fs.length("options") != 0) {
                ctx.error(IgnitionMessages.ErrFormatNilWithOthers, fs.path().key("format"));
            }
        } else if (!knownFormat(format.get(), ctx)) {
            ctx.error(IgnitionMessages.ErrFilesystemInvalidFormat, fs.path().key("format"));
        }
        Optional<String> label = fs.string("label").filter(l -> !l.isEmpty());
        if (label.isEmpty()) {
            return;
        }
        FieldPath at = fs.path().key("label");
        if (format.isEmpty()) {
            ctx.error(IgnitionMessages.ErrLabelNeedsFormat, at);
            return;
        }
        // limits from the mkfs man pages (mkswap silently truncates past 15)
        int length = label.get().getBytes(StandardCharsets.UTF_8).length;
        switch (format.get()) {
            case "ext4" -> tooLong(length, 16, IgnitionMessages.ErrExt4LabelTooLong, at, ctx);
            case "btrfs" -> tooLong(length, 256, IgnitionMessages.ErrBtrfsLabelTooLong, at, ctx);
            case "xfs" -> tooLong(length, 12, IgnitionMessages.ErrXfsLabelTooLong, at, ctx);
            case "swap" -> tooLong(length, 15, IgnitionMessages.ErrSwapLabelTooLong, at, ctx);
            case "vfat" -> tooLong(length, 11, IgnitionMessages.ErrVfatLabelTooLong, at, ctx);
            default -> {
            }
        }
    }

    private static boolean knownFormat(String format, ValidationContext ctx) {
        return switch (format) {
            case "ext4", "btrfs", "xfs", "swap", "vfat" -> true;
            case "none" -> ctx.supports(SpecFeature.FORMAT_NONE);
            default -> false;
        };
    }

    private static void tooLong(int length, int max, IgnitionMessages error, FieldPath at, ValidationContext ctx) {
        if (length > max) {
            ctx.error(error, at);
        }
    }
}
