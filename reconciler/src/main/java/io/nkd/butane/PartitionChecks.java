package io.nkd.butane;

import static io.nkd.butane.JsonTrees.integer;
import static io.nkd.butane.JsonTrees.isTrue;
import static io.nkd.butane.JsonTrees.obj;
import static io.nkd.butane.JsonTrees.objects;
import static io.nkd.butane.JsonTrees.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane.Translation;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Severity;
import java.util.List;
import java.util.Map;

/**
 * Warnings about the root partition on the translated config: one that cannot grow, one that is too small,
 * and reserved OS labels used with the wrong partition number (which makes Ignition create a new partition).
 */
final class PartitionChecks {
    private static final Map<String, Integer> RESERVED_LABELS =
            Map.of("BIOS-BOOT", 1, "PowerPC-PReP-boot", 1, "EFI-SYSTEM", 2, "boot", 3, "root", 4);

    private PartitionChecks() {
    }

    static void check(Translation t) {
        List<ObjectNode> disks = objects(obj(t.config, "storage"), "disks");
        for (int i = 0; i < disks.size(); i++) {
            ObjectNode disk = disks.get(i);
            List<ObjectNode> parts = objects(disk, "partitions");
            for (int p = 0; p < parts.size(); p++) {
                ObjectNode part = parts.get(p);
                String label = text(part, "label");
                if (label == null) {
                    continue;
                }
                FieldPath at = FieldPath.of("storage", "disks", i, "partitions", p);
                if (label.equals("root")) {
                    Integer size = integer(part, "sizeMiB");
                    if (size == null || size == 0) {
                        for (int q = p + 1; q < parts.size(); q++) {
                            Integer start = integer(parts.get(q), "startMiB");
                            if (start == null || start == 0) {
                                warn(t, at.key("label"), "ErrRootConstrained", ButaneMessages.ROOT_CONSTRAINED);
                                break;
                            }
                        }
                    } else if (size < 8192) {
                        warn(t, at.key("sizeMiB"), "ErrRootTooSmall", ButaneMessages.ROOT_TOO_SMALL);
                    }
                }
                Integer reserved = RESERVED_LABELS.get(label);
                Integer number = integer(part, "number");
                if (!isTrue(disk, "wipeTable") && reserved != null && (number == null ? 0 : number) != reserved) {
                    warn(t, at.key("label"), "ErrWrongPartitionNumber", ButaneMessages.WRONG_PARTITION_NUMBER);
                }
            }
        }
    }

    private static void warn(Translation t, FieldPath outputPath, String code, String message) {
        t.report.add(t.locate(new Entry(Severity.WARNING, code, outputPath, null, message)));
    }
}
