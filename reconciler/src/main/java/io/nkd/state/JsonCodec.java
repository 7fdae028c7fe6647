package io.nkd.state;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Map;

/**
 * JSON for state documents, and the translation of Jackson's failures into {@link CorruptStateException}s
 * that locate the problem without quoting the file (Jackson's own messages quote the input).
 */
final class JsonCodec {
    /**
     * Unknown fields fail (Jackson's default, kept on purpose): state is written only by nkd, so an unknown
     * field means corruption or a newer nkd, and silently dropping it would lose it on the next write. A
     * record that must tolerate newer fields says so with {@code @JsonIgnoreProperties(ignoreUnknown = true)}.
     * Missing fields, by contrast, are null (or 0/false): a field added by a newer nkd must not make the
     * files of an older one unreadable.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .addModule(instants())
            .build();

    private JsonCodec() {
    }

    /** Pretty JSON with a final newline: operators read these files. */
    static byte[] write(Object value) {
        try {
            byte[] json = MAPPER.writeValueAsBytes(value);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (JsonProcessingException e) {
            // A type Jackson cannot serialise: a bug in the caller, not a state problem.
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    static <T> T read(byte[] bytes, Class<T> type, Path file, Recovery recovery) {
        if (isBlank(bytes)) {
            throw new CorruptStateException(file, bytes.length == 0 ? "empty file" : "the file holds only whitespace",
                    recovery);
        }
        T value;
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            value = MAPPER.readValue(parser, type);
            // A second document after the first: a botched edit or two writes glued together.
            if (parser.nextToken() != null) {
                throw new CorruptStateException(file, "more content follows the JSON document, at "
                        + at(parser.currentTokenLocation()), recovery);
            }
        } catch (IOException e) {
            throw new CorruptStateException(file, problem(e, type), recovery);
        }
        if (value == null) {
            throw new CorruptStateException(file, "the document is JSON null, expected " + describe(type), recovery);
        }
        return value;
    }

    /** What is wrong, located by line and column, in words that quote nothing from the file. */
    private static String problem(IOException failure, Class<?> type) {
        // Databind wraps some parser failures (a truncated string inside a record, for one).
        IOException e = failure instanceof DatabindException && failure.getCause() instanceof StreamReadException cause
                ? cause : failure;
        if (e instanceof JsonEOFException eof) {
            return "the JSON ends early, at " + at(eof.getLocation()) + " (truncated?)";
        }
        if (e instanceof StreamReadException parse) {
            return "not valid JSON at " + at(parse.getLocation());
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            // The unknown name comes from the file, so it is not repeated.
            return "a field at " + at(unknown.getLocation()) + " is not a field of "
                    + unknownOwner(unknown, type).getSimpleName() + " (written by a newer nkd, or damaged)";
        }
        if (e instanceof InvalidNullException missing) {
            return "missing or null value for " + where(missing);
        }
        if (e instanceof MismatchedInputException mismatch) {
            String expected = describe(mismatch.getTargetType() != null ? mismatch.getTargetType() : type);
            return "wrong shape: " + where(mismatch) + " should be " + expected;
        }
        if (e instanceof ValueInstantiationException rejected) {
            // The constructor's message may repeat a value; say only who refused.
            return "the values do not make a valid " + rejected.getType().getRawClass().getSimpleName()
                    + " (its constructor refused them), near " + at(rejected.getLocation());
        }
        if (e instanceof DatabindException other) {
            return "cannot be read as " + describe(type) + " at " + at(other.getLocation());
        }
        return "cannot be read (" + e.getClass().getSimpleName() + ")";
    }

    private static Class<?> unknownOwner(UnrecognizedPropertyException e, Class<?> fallback) {
        return e.getReferringClass() != null ? e.getReferringClass() : fallback;
    }

    /** "field nodes[2].version at line 4 column 9", or "the document at …" when the path is empty. */
    private static String where(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                // Keys of maps and trees come from the file; field names of records come from the code.
                Object from = ref.getFrom();
                boolean dataKey = from instanceof Map || from instanceof JsonNode || from instanceof Collection;
                path.append(path.length() == 0 ? "" : ".").append(dataKey ? "*" : ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return (path.length() == 0 ? "the document" : "field " + path) + " at " + at(e.getLocation());
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "an unknown position";
        }
        return "line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return type == boolean.class ? "a boolean" : "a number";
        }
        if (type == Boolean.class) {
            return "a boolean";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type.isEnum()) {
            return "one of the values of " + type.getSimpleName();
        }
        if (type == Instant.class) {
            return "a time (ISO-8601, e.g. 2026-01-31T12:00:00Z)";
        }
        return "an object of type " + type.getSimpleName();
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * Instants as ISO-8601 strings (status records carry times). jackson-datatype-jsr310 is not a
     * dependency of nkd; this is the one java.time type state needs.
     */
    private static SimpleModule instants() {
        SimpleModule module = new SimpleModule("nkd-state-instant");
        module.addSerializer(Instant.class, ToStringSerializer.instance);
        module.addDeserializer(Instant.class, new StdScalarDeserializer<>(Instant.class) {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
                }
                try {
                    return Instant.parse(p.getText());
                } catch (DateTimeParseException e) {
                    return (Instant) ctxt.handleWeirdStringValue(Instant.class, p.getText(), "not an ISO-8601 instant");
                }
            }
        });
        return module;
    }
}
