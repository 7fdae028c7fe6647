package io.nkd.ignition.validate;

import io.nkd.report.FieldPath;

import java.util.Set;

/** {@code systemd.units} and their dropins: names, unit-file syntax, the [Install] warning. */
final class SystemdRules implements Rule {
    private static final Set<String> UNIT_SUFFIXES = Set.of(".service", ".socket", ".device", ".mount",
            ".automount", ".swap", ".target", ".path", ".timer", ".snapshot", ".slice", ".scope");

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        for (JsonCursor unit : config.field("systemd").objects("units")) {
            String name = unit.stringOrEmpty("name");
            if (unit.plainString("name").map(n -> !UNIT_SUFFIXES.contains(UnixPaths.ext(n))).orElse(false)) {
                ctx.error(IgnitionMessages.ErrInvalidSystemdExt, unit.path().key("name"));
            }
            FieldPath contentsPath = unit.path().key("contents");
            unit.string("contents").map(UnitFile::parse).ifPresent(parsed -> {
                parsed.error().ifPresent(e -> ctx.error(IgnitionMessages.InvalidUnitContents, contentsPath, e));
                // enabling a unit means following its [Install] section; without one, enable is a no-op
                if (parsed.error().isEmpty() && unit.isTrue("enabled") && unit.notEmpty("contents")
                        && !parsed.hasOptionIn("Install")) {
                    ctx.warning(IgnitionMessages.NoInstallSection, contentsPath, IgnitionMessages.goQuote(name));
                }
            });
            for (JsonCursor dropin : unit.objects("dropins")) {
                dropin.string("contents").map(UnitFile::parse).flatMap(UnitFile::error).ifPresent(
                        e -> ctx.error(IgnitionMessages.InvalidUnitContents, dropin.path().key("contents"), e));
                if (dropin.plainString("name").map(n -> !UnixPaths.ext(n).equals(".conf")).orElse(false)) {
                    ctx.error(IgnitionMessages.ErrInvalidSystemdDropinExt, dropin.path().key("name"));
                }
            }
        }
    }
}
