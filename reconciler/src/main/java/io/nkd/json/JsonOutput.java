package io.nkd.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * nkd's one JSON writer: JSON as butane prints it, compact or two-space indented with {@code "key": value}, for
 * the CLI's output, served configs and pointer configs. In a package of its own that uses no other nkd package,
 * so any package may print JSON without depending on the CLI.
 */
public final class JsonOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private JsonOutput() {
    }

    /** A value (records, lists, maps) as a JSON tree, times as ISO-8601 strings: for {@code -o json}. */
    public static JsonNode tree(Object value) {
        return Values.MAPPER.valueToTree(value);
    }

    /** Pretty-printed {@link #tree(Object)}. */
    public static String write(Object value) {
        return write(tree(value), true);
    }

    /** Holder: only commands that print records pay for this mapper's set-up. */
    private static final class Values {
        static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
                .addSerializer(java.time.Instant.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance));
    }

    public static String write(JsonNode node, boolean pretty) {
        try {
            return pretty ? MAPPER.writer(PRETTY).writeValueAsString(node) : MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
