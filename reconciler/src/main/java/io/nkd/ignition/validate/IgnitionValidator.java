package io.nkd.ignition.validate;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.Report;

import java.util.List;
import java.util.Objects;

/**
 * Ignition's semantic validation of a config (what {@code config/v3_N} of coreos/ignition v2.26.0
 * checks after parsing), for spec versions 3.0.0 to 3.6.0. The config is the parsed JSON tree with
 * Ignition's JSON field names; unknown keys and JSON type errors are another component's concern,
 * and a value of the wrong type is skipped here rather than reported. Entry codes are Ignition's
 * error constant names, messages are Ignition's texts, paths are JSON paths such as
 * {@code $.storage.files.0.path}.
 */
public final class IgnitionValidator {
    private static final List<Rule> RULES = List.of(new IgnitionSectionRules(), new StorageNodeRules(),
            new DiskRules(), new LuksRules(), new SystemdRules(), new DuplicateRules());

    private IgnitionValidator() {
    }

    /** Validates a parsed Ignition config (JSON tree, JSON field names) of the given spec version. */
    public static Report validate(JsonNode config, IgnitionVersion version) {
        Objects.requireNonNull(version, "version");
        ValidationContext ctx = new ValidationContext(version);
        JsonCursor root = JsonCursor.root(config);
        for (Rule rule : RULES) {
            rule.check(root, ctx);
        }
        return ctx.report();
    }
}
