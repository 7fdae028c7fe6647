package io.nkd.ignition.validate;

import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;

/** What every rule needs: the spec version being checked and the report to add entries to. */
final class ValidationContext {
    private final IgnitionVersion version;
    private final Report report = new Report();

    ValidationContext(IgnitionVersion version) {
        this.version = version;
    }

    IgnitionVersion version() {
        return version;
    }

    boolean supports(SpecFeature feature) {
        return feature.availableIn(version);
    }

    void error(IgnitionMessages message, FieldPath path) {
        report.error(message.name(), path, message.text());
    }

    void error(IgnitionMessages message, FieldPath path, String detail) {
        report.error(message.name(), path, message.text(detail));
    }

    void warning(IgnitionMessages message, FieldPath path) {
        report.warning(message.name(), path, message.text());
    }

    void warning(IgnitionMessages message, FieldPath path, String detail) {
        report.warning(message.name(), path, message.text(detail));
    }

    Report report() {
        return report;
    }
}
