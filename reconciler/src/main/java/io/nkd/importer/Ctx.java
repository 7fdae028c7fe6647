package io.nkd.importer;

import io.nkd.report.Entry;
import io.nkd.report.Location;
import io.nkd.report.Severity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** State of one import: the source name, options, every problem and not-carried-over item found so far. */
final class Ctx {
    final String file;
    final NkdConfigImporter.Options options;
    private final List<Entry> errors = new ArrayList<>();
    /** A set: several nodes may raise the same item (one per key is enough). */
    private final Set<NotCarriedOver> items = new LinkedHashSet<>();
    private final List<NkdMap> maps = new ArrayList<>();

    Ctx(String file, NkdConfigImporter.Options options) {
        this.file = file;
        this.options = options;
    }

    /** Where a missing key is reported when its section is missing too: the top-level mapping. */
    Location fallback;

    void error(Location at, String message) {
        errors.add(new Entry(Severity.ERROR, "NkdImport", null, at == null ? fallback : at, message, file));
    }

    void item(String key, String reason, String action) {
        items.add(new NotCarriedOver(key, reason, action));
    }

    void register(NkdMap map) {
        maps.add(map);
    }

    List<NkdMap> maps() {
        return maps;
    }

    List<NotCarriedOver> items() {
        return List.copyOf(items);
    }

    void throwIfErrors() {
        if (!errors.isEmpty()) {
            throw new ImportException(errors);
        }
    }
}
