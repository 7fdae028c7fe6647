package io.nkd.ignition.validate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Ignition's {@code ValidateDups}: within every keyed list, a second entry with the same key is
 * {@code ErrDuplicate} (reported at that second entry). Some lists share one key space: files,
 * directories and links by path (checked in that order: directories, files, links), and
 * {@code kernelArguments.shouldExist}/{@code shouldNotExist}. Lists Ignition concatenates when merging
 * ({@code files[].append}, filesystem and LUKS/RAID options) may repeat entries.
 */
final class DuplicateRules implements Rule {

    /** How a list's entries are keyed: Go's {@code Key()} methods, or the value for string lists. */
    private static Function<JsonCursor, Optional<String>> byField(String field) {
        return e -> e.isObject() ? e.plainString(field) : Optional.empty();
    }

    private static final Function<JsonCursor, Optional<String>> BY_VALUE = JsonCursor::text;

    /** Partitions are keyed by number when it is set, else by label, else all share the key "". */
    private static final Function<JsonCursor, Optional<String>> PARTITION_KEY = e -> {
        if (!e.isObject()) {
            return Optional.empty();
        }
        long number = e.integer("number").orElse(0L);
        if (number != 0) {
            return Optional.of("number:" + number);
        }
        return Optional.of(e.string("label").map(l -> "label:" + l).orElse(""));
    };

    @Override
    public void check(JsonCursor config, ValidationContext ctx) {
        JsonCursor ignition = config.field("ignition");
        JsonCursor igConfig = ignition.field("config");
        keyed(ctx, igConfig, List.of("merge"), byField("source"));
        keyed(ctx, ignition.field("proxy"), List.of("noProxy"), BY_VALUE);
        JsonCursor tls = ignition.field("security").field("tls");
        keyed(ctx, tls, List.of("certificateAuthorities"), byField("source"));

        JsonCursor storage = config.field("storage");
        keyed(ctx, storage, List.of("directories", "files", "links"), byField("path"));
        keyed(ctx, storage, List.of("disks"), byField("device"));
        keyed(ctx, storage, List.of("filesystems"), byField("device"));
        keyed(ctx, storage, List.of("luks"), byField("name"));
        keyed(ctx, storage, List.of("raid"), byField("name"));
        storage.objects("disks").forEach(d -> keyed(ctx, d, List.of("partitions"), PARTITION_KEY));
        for (JsonCursor luks : storage.objects("luks")) {
            keyed(ctx, luks, List.of("openOptions"), BY_VALUE);
            keyed(ctx, luks.field("clevis"), List.of("tang"), byField("url"));
        }
        storage.objects("raid").forEach(r -> keyed(ctx, r, List.of("devices"), BY_VALUE));

        JsonCursor systemd = config.field("systemd");
        keyed(ctx, systemd, List.of("units"), byField("name"));
        systemd.objects("units").forEach(u -> keyed(ctx, u, List.of("dropins"), byField("name")));

        JsonCursor passwd = config.field("passwd");
        keyed(ctx, passwd, List.of("users"), byField("name"));
        keyed(ctx, passwd, List.of("groups"), byField("name"));
        for (JsonCursor user : passwd.objects("users")) {
            keyed(ctx, user, List.of("groups"), BY_VALUE);
            keyed(ctx, user, List.of("sshAuthorizedKeys"), BY_VALUE);
        }

        keyed(ctx, config.field("kernelArguments"), List.of("shouldExist", "shouldNotExist"), BY_VALUE);

        for (JsonCursor resource : resources(config)) {
            keyed(ctx, resource, List.of("httpHeaders"), byField("name"));
        }
    }

    /** Every place a Resource (and so a list of HTTP headers) can sit. */
    private static List<JsonCursor> resources(JsonCursor config) {
        List<JsonCursor> out = new ArrayList<>();
        JsonCursor ignition = config.field("ignition");
        out.addAll(ignition.field("config").objects("merge"));
        out.add(ignition.field("config").field("replace"));
        out.addAll(ignition.field("security").field("tls").objects("certificateAuthorities"));
        JsonCursor storage = config.field("storage");
        for (JsonCursor file : storage.objects("files")) {
            out.add(file.field("contents"));
            out.addAll(file.objects("append"));
        }
        storage.objects("luks").forEach(l -> out.add(l.field("keyFile")));
        return out;
    }

    private static void keyed(ValidationContext ctx, JsonCursor owner, List<String> fields,
                              Function<JsonCursor, Optional<String>> key) {
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            for (JsonCursor element : owner.elements(field)) {
                key.apply(element).ifPresent(k -> {
                    if (!seen.add(k)) {
                        ctx.error(IgnitionMessages.ErrDuplicate, element.path());
                    }
                });
            }
        }
    }
}
