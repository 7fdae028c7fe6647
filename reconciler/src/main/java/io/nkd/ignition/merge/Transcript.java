package io.nkd.ignition.merge;

import io.nkd.report.Path;
import java.util.Optional;

/** TEMPORARY STUB. */
public final class Transcript {
    public enum Side { PARENT, CHILD }

    public record Origin(Side side, Path path) {
    }

    public Optional<Origin> origin(Path outputPath) {
        return Optional.of(new Origin(Side.CHILD, outputPath));
    }
}
