package io.nkd.ignition.validate;

import io.nkd.dataurl.DataUrl;
import java.util.List;
import java.util.Optional;

/**
 * Checks of Ignition's {@code Resource} (file contents and appends, merged and replacing configs,
 * certificate authorities, LUKS key files): URL schemes and syntax per spec version, compression,
 * verification hashes and HTTP headers. Used by the rules that own those resources.
 */
final class ResourceChecks {
    private final ValidationContext ctx;

    ResourceChecks(ValidationContext ctx) {
        this.ctx = ctx;
    }

    /** Go's {@code Resource.Validate} plus the validators of its verification and headers. */
    void resource(JsonCursor res) {
        if (!res.isObject()) {
            return;
        }
        res.string("compression").ifPresent(c -> {
            if (!c.isEmpty() && !c.equals("gzip")) {
                ctx.error(IgnitionMessages.ErrCompressionInvalid, res.path().key("compression"));
            }
        });
        JsonCursor verification = res.field("verification");
        if (verification.has("hash") && !res.has("source")) {
            ctx.error(IgnitionMessages.ErrVerificationAndNilSource, verification.path().key("hash"));
        }
        res.string("source").filter(s -> !s.isEmpty())
                .flatMap(this::urlProblem)
                .ifPresent(p -> p.reportAt(ctx, res.path().key("source")));
        headersNeedHttpSource(res);
        for (JsonCursor header : res.objects("httpHeaders")) {
            if (header.plainString("name").map(String::isEmpty).orElse(false)) {
                ctx.error(IgnitionMessages.ErrEmptyHTTPHeaderName, header.path().key("name"));
            }
            if (header.string("value").map(String::isEmpty).orElse(false)) {
                ctx.error(IgnitionMessages.ErrInvalidHTTPHeader, header.path().key("value"));
            }
        }
        verification.string("hash").ifPresent(hash -> hash(hash, verification));
    }

    /** {@code validateRequiredSource}, reported at the resource itself (merge entries, CAs). */
    void requiredSource(JsonCursor res) {
        Optional<String> source = res.string("source").filter(s -> !s.isEmpty());
        if (source.isEmpty()) {
            ctx.error(IgnitionMessages.ErrSourceRequired, res.path());
        } else {
            urlProblem(source.get()).ifPresent(p -> p.reportAt(ctx, res.path()));
        }
    }

    /** Go's {@code validateURL} for this spec version; empty when the URL is acceptable. */
    Optional<UrlProblem> urlProblem(String url) {
        Optional<GoUrl> parsed = GoUrl.parse(url);
        if (parsed.isEmpty()) {
            return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidUrl));
        }
        GoUrl u = parsed.get();
        switch (u.scheme()) {
            case "http", "https", "tftp":
                return Optional.empty();
            case "gs":
                return ctx.supports(SpecFeature.GS_URLS)
                        ? Optional.empty() : Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidScheme));
            case "s3":
                return s3VersionIdProblem(u);
            case "arn":
                return ctx.supports(SpecFeature.ARN_URLS)
                        ? arnProblem(u) : Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidScheme));
            case "data":
                return DataUrl.decodeError(url).map(e -> new UrlProblem(IgnitionMessages.InvalidDataUrl, e));
            default:
                return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidScheme));
        }
    }

    private static Optional<UrlProblem> s3VersionIdProblem(GoUrl u) {
        List<String> versionIds = u.query().get("versionId");
        if (versionIds != null && (versionIds.isEmpty() || versionIds.get(0).isEmpty())) {
            return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidS3ObjectVersionId));
        }
        return Optional.empty();
    }

    /** An S3 access point or object ARN: {@code arn:partition:s3:region:account:resource}. */
    private static Optional<UrlProblem> arnProblem(GoUrl u) {
        String full = "arn:" + u.opaque();
        // aws-sdk-go's arn.IsARN: the prefix and at least five ':' separators (six sections)
        if (full.chars().filter(c -> c == ':').count() < 5) {
            return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidS3ARN));
        }
        String[] sections = full.split(":", 6);
        if (!sections[2].equals("s3")) {
            return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidS3ARN));
        }
        int slashParts = full.split("/", -1).length;
        if (sections[5].startsWith("accesspoint/") ? slashParts < 3 : slashParts < 2) {
            return Optional.of(UrlProblem.of(IgnitionMessages.ErrInvalidS3ARN));
        }
        return s3VersionIdProblem(u);
    }

    private void headersNeedHttpSource(JsonCursor res) {
        if (res.length("httpHeaders") < 1) {
            return;
        }
        var at = res.path().key("httpHeaders");
        Optional<String> source = res.string("source").filter(s -> !s.isEmpty());
        Optional<GoUrl> url = source.flatMap(GoUrl::parse);
        if (url.isEmpty()) {
            ctx.error(IgnitionMessages.ErrInvalidUrl, at);
        } else if (!url.get().scheme().equals("http") && !url.get().scheme().equals("https")) {
            ctx.error(IgnitionMessages.ErrUnsupportedSchemeForHTTPHeaders, at);
        }
    }

    /** {@code Verification.Validate}: {@code <function>-<hex digest>} with a known function and length. */
    private void hash(String hash, JsonCursor verification) {
        var at = verification.path().key("hash");
        int dash = hash.indexOf('-');
        if (dash < 0) {
            ctx.error(IgnitionMessages.ErrHashMalformed, at);
            return;
        }
        String function = hash.substring(0, dash);
        String sum = hash.substring(dash + 1);
        int expectedLength;
        if (function.equals("sha512")) {
            expectedLength = 128;
        } else if (function.equals("sha256") && ctx.supports(SpecFeature.SHA256_HASHES)) {
            expectedLength = 64;
        } else {
            ctx.error(IgnitionMessages.ErrHashUnrecognized, at);
            return;
        }
        // Go compares len() of the string: bytes, not characters
        if (sum.getBytes(java.nio.charset.StandardCharsets.UTF_8).length != expectedLength) {
            ctx.error(IgnitionMessages.ErrHashWrongSize, at);
        }
    }
}
