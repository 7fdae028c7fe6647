package io.nkd.ignition.merge;

import io.nkd.report.FieldPath;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where each part of a merged config came from, so that a problem found at an output path can be
 * reported against the input the user wrote. The merge records an origin for every object and list
 * element it builds (and for each field of entries present in both inputs); a subtree taken whole
 * from one input is recorded once, at its root, and paths below it map by the same relative path.
 */
public final class Transcript {
    private final Map<FieldPath, Origin> origins;

    private Transcript(Map<FieldPath, Origin> origins) {
        this.origins = Collections.unmodifiableMap(origins);
    }

    /**
     * The origin of {@code outputPath}, from its longest recorded prefix: for example output
     * {@code $.systemd.units.1.contents} when {@code $.systemd.units.1} came from child
     * {@code $.systemd.units.0} is child {@code $.systemd.units.0.contents}.
     */
    public Optional<Origin> origin(FieldPath outputPath) {
        for (int length = outputPath.size(); length >= 0; length--) {
            FieldPath prefix = outputPath.prefix(length);
            Origin origin = origins.get(prefix);
            if (origin != null) {
                return Optional.of(new Origin(origin.side(), outputPath.rebase(prefix, origin.path())));
            }
        }
        return Optional.empty();
    }

    /** Every recorded output path and its origin, in the order the merge produced them. */
    public Map<FieldPath, Origin> recorded() {
        return origins;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        origins.forEach((to, from) -> sb.append(from.side().name().toLowerCase(java.util.Locale.ROOT))
                .append(':').append(from.path()).append(" -> ").append(to).append('\n'));
        return sb.toString();
    }

    /** Collects origins while a merge runs; a path recorded twice keeps its last origin. */
    static final class Builder {
        private final Map<FieldPath, Origin> origins = new LinkedHashMap<>();

        void record(FieldPath output, Side side, FieldPath input) {
            origins.put(output, new Origin(side, input));
        }

        Transcript build() {
            return new Transcript(new LinkedHashMap<>(origins));
        }
    }
}
