package io.nkd.ignition.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.report.FieldPath;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** {@code storage.luks}: device names and labels, key files, Clevis (Tang, TPM2, custom) and CEX. */
final class LuksRules implements Rule {
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        ResourceChecks resources = new ResourceChecks(ctx);
        for (JsonCursor luks : config.field("storage").objects("luks")) {
            luks(luks, ctx, resources);
            JsonCursor clevis = luks.field("clevis");
            custom(clevis.field("custom"), ctx);
            clevis.objects("tang").forEach(t -> tang(t, ctx));
            resources.resource(luks.field("keyFile"));
        }
    }

    private static void luks(JsonCursor luks, ValidationContext ctx, ResourceChecks resources) {
        if (luks.stringOrEmpty("name").contains("/")) {
            ctx.error(IgnitionMessages.ErrLuksNameContainsSlash, luks.path().key("name"));
        }
        // LUKS2 labels hold 48 bytes including the terminating NUL
        luks.string("label").filter(l -> l.getBytes(StandardCharsets.UTF_8).length > 47)
                .ifPresent(l -> ctx.error(IgnitionMessages.ErrLuksLabelTooLong, luks.path().key("label")));
        if (luks.nilOrEmpty("device")) {
            ctx.error(IgnitionMessages.ErrDiskDeviceRequired, luks.path().key("device"));
        } else {
            StorageNodeRules.pathProblem(luks.stringOrEmpty("device"))
                    .ifPresent(p -> ctx.error(p, luks.path().key("device")));
        }
        JsonCursor clevis = luks.field("clevis");
        boolean others = clevis.length("tang") > 0 || clevis.isTrue("tpm2") || clevis.integer("threshold").orElse(0L) != 0;
        boolean custom = ctx.supports(SpecFeature.CLEVIS_CUSTOM_STRUCT_POINTER)
                ? clevis.field("custom").isObject() : clevis.field("custom").notEmpty("pin");
        if (custom && others) {
            ctx.error(IgnitionMessages.ErrClevisCustomWithOthers, clevis.path());
        }
        JsonCursor keyFile = luks.field("keyFile");
        keyFile.string("source").filter(s -> !s.isEmpty()).flatMap(resources::urlProblem)
                // Ignition reports this at "keys", a field that does not exist
                .ifPresent(p -> ctx.error(IgnitionMessages.ErrInvalidLuksKeyFile, luks.path().key("keys")));
        if (ctx.supports(SpecFeature.CEX) && luks.field("cex").isTrue("enabled")) {
            FieldPath cex = luks.path().key("cex");
            if (clevis.field("custom").notEmpty("pin") || others) {
                ctx.error(IgnitionMessages.ErrCexWithClevis, cex);
            }
            if (keyFile.notEmpty("source")) {
                ctx.error(IgnitionMessages.ErrCexWithKeyFile, cex);
            }
        }
    }

    private static void custom(JsonCursor custom, ValidationContext ctx) {
        if (!custom.isObject()) {
            return;
        }
        if (ctx.supports(SpecFeature.CLEVIS_CUSTOM_STRUCT_POINTER)) {
            // 3.2.0: present means used; pin and config are plain strings
            if (!knownPin(custom.stringOrEmpty("pin"))) {
                ctx.error(IgnitionMessages.ErrUnknownClevisPin, custom.path().key("pin"));
            }
            if (custom.stringOrEmpty("config").isEmpty()) {
                ctx.error(IgnitionMessages.ErrClevisConfigRequired, custom.path().key("config"));
            }
            return;
        }
        if (custom.nilOrEmpty("pin") && custom.nilOrEmpty("config") && !custom.isTrue("needsNetwork")) {
            return;
        }
        if (custom.notEmpty("pin")) {
            if (!knownPin(custom.stringOrEmpty("pin"))) {
                ctx.error(IgnitionMessages.ErrUnknownClevisPin, custom.path().key("pin"));
            }
        } else {
            ctx.error(IgnitionMessages.ErrClevisPinRequired, custom.path().key("pin"));
        }
        if (custom.nilOrEmpty("config")) {
            ctx.error(IgnitionMessages.ErrClevisConfigRequired, custom.path().key("config"));
        }
    }

    private static boolean knownPin(String pin) {
        return pin.equals("tpm2") || pin.equals("tang") || pin.equals("sss");
    }

    private static void tang(JsonCursor tang, ValidationContext ctx) {
        Optional<String> text = tang.plainString("url");
        Optional<GoUrl> url = text.flatMap(GoUrl::parse);
        if (text.isEmpty()) {
            // wrong JSON type: not this validator's to report
        } else if (url.isEmpty()) {
            ctx.error(IgnitionMessages.ErrInvalidUrl, tang.path().key("url"));
        } else if (!url.get().scheme().equals("http") && !url.get().scheme().equals("https")) {
            ctx.error(IgnitionMessages.ErrInvalidScheme, tang.path().key("url"));
        }
        if (tang.nilOrEmpty("thumbprint")) {
            ctx.error(IgnitionMessages.ErrTangThumbprintRequired, tang.path().key("thumbprint"));
        }
        if (ctx.supports(SpecFeature.TANG_ADVERTISEMENT) && tang.notEmpty("advertisement")) {
            if (!isJson(tang.stringOrEmpty("advertisement"))) {
                ctx.error(IgnitionMessages.ErrInvalidTangAdvertisement, tang.path().key("advertisement"));
            }
        }
    }

    /** Go's {@code json.Unmarshal} into {@code any}: exactly one JSON value (blank text is not one). */
    private static boolean isJson(String text) {
        try {
            JsonNode node = STRICT_JSON.readTree(text);
            return node != null && !node.isMissingNode();
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
