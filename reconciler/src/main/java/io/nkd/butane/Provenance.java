package io.nkd.butane;

import io.nkd.ignition.merge.Side;
import io.nkd.ignition.merge.Transcript;
import io.nkd.report.FieldPath;

/** Answers "which Butane input produced this output path?" across the translation's merge steps. */
@FunctionalInterface
public interface Provenance {
    SourceMap.Origin resolve(FieldPath outputPath);

    /** After {@code output = merge(parent, child)}: follow the transcript back into the side it came from. */
    static Provenance merged(Transcript transcript, Provenance parent, Provenance child) {
        return p -> transcript.origin(p)
                .map(o -> (o.side() == Side.PARENT ? parent : child).resolve(o.path()))
                .orElseGet(() -> child.resolve(p));
    }

    /** Everything in a generated config is blamed on one place of the input, refined by a source map. */
    static Provenance generated(SourceMap map) {
        return map::origin;
    }
}
