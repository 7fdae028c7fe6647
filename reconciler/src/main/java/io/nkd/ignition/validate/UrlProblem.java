package io.nkd.ignition.validate;

import io.nkd.report.FieldPath;

/** Why a URL is not acceptable: the message and, for decoder errors, the decoder's own text. */
record UrlProblem(IgnitionMessages message, String detail) {

    static UrlProblem of(IgnitionMessages message) {
        return new UrlProblem(message, null);
    }

    void reportAt(ValidationContext ctx, FieldPath path) {
        if (detail == null) {
            ctx.error(message, path);
        } else {
            ctx.error(message, path, detail);
        }
    }
}
