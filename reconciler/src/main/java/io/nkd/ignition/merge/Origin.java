package io.nkd.ignition.merge;

import io.nkd.report.FieldPath;

import java.util.Objects;

/** Where a part of a merged config came from: the input and the path in that input. */
public record Origin(Side side, FieldPath path) {
    public Origin {
        Objects.requireNonNull(side);
        Objects.requireNonNull(path);
    }
}
