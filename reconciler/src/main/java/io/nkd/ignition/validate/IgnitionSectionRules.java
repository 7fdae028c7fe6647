package io.nkd.ignition.validate;

import io.nkd.report.FieldPath;

import java.util.Optional;
import java.util.regex.Pattern;

/** The {@code ignition} section: version, merged/replacing configs, proxies, TLS CAs. */
final class IgnitionSectionRules implements Rule {
    // semver as github.com/coreos/go-semver parses it: MAJOR.MINOR.PATCH[-pre][+build]
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
                    + "(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?");

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        JsonCursor ignition = config.field("ignition");
        version(ignition, ctx);
        ResourceChecks resources = new ResourceChecks(ctx);

        JsonCursor cfg = ignition.field("config");
        for (JsonCursor merge : cfg.objects("merge")) {
            if (ctx.supports(SpecFeature.REQUIRED_RESOURCE_SOURCES)) {
                resources.requiredSource(merge);
            }
            resources.resource(merge);
        }
        resources.resource(cfg.field("replace"));

        JsonCursor proxy = ignition.field("proxy");
        proxyUrl(proxy, "httpProxy", true, ctx);
        proxyUrl(proxy, "httpsProxy", false, ctx);

        for (JsonCursor ca : ignition.field("security").field("tls").objects("certificateAuthorities")) {
            if (ctx.supports(SpecFeature.REQUIRED_RESOURCE_SOURCES)) {
                resources.requiredSource(ca);
            }
            resources.resource(ca);
        }
    }

    /** Ignition accepts exactly its own spec version: a parseable version that differs is "unsupported". */
    private static void version(JsonCursor ignition, ValidationContext ctx) {
        FieldPath at = ignition.path().key("version");
        Optional<String> version = ignition.string("version");
        if (version.isEmpty() || !SEMVER.matcher(version.get()).matches()) {
            ctx.error(IgnitionMessages.ErrInvalidVersion, at);
        } else if (!version.get().equals(ctx.version().text())) {
            // go-semver compares pre-release and build metadata too, so "3.4.0+x" is not 3.4.0
            ctx.error(IgnitionMessages.ErrUnknownVersion, at);
        }
    }

    /** HTTP proxies may be http or https; an http proxy for HTTPS traffic is only a warning. */
    private static void proxyUrl(JsonCursor proxy, String key, boolean httpOk, ValidationContext ctx) {
        Optional<String> url = proxy.string(key);
        if (url.isEmpty()) {
            return;
        }
        FieldPath at = proxy.path().key(key);
        Optional<GoUrl> parsed = GoUrl.parse(url.get());
        if (parsed.isEmpty()) {
            ctx.error(IgnitionMessages.ErrInvalidUrl, at);
            return;
        }
        String scheme = parsed.get().scheme();
        if (!scheme.equals("http") && !scheme.equals("https")) {
            ctx.error(IgnitionMessages.ErrInvalidProxy, at);
        } else if (scheme.equals("http") && !httpOk) {
            ctx.warning(IgnitionMessages.ErrInsecureProxy, at);
        }
    }
}
