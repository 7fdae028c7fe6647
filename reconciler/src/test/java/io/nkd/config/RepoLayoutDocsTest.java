package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nkd.json.JsonOutput;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * repo-layout/ documents exactly what nkd reads: the committed JSON Schemas and the README's key tables are
 * generated from the config records. Run with {@code -Dnkd.updateDocs=true} to rewrite them after a model change.
 */
class RepoLayoutDocsTest {
    private static final boolean UPDATE = Boolean.getBoolean("nkd.updateDocs");
    private static final Path LAYOUT = RepoPaths.repoRoot().resolve("repo-layout");

    @Test
    void committedSchemasAreTheGeneratedOnes() throws IOException {
        for (String name : JsonSchemas.DOCUMENTS.keySet()) {
            String generated = JsonOutput.write(JsonSchemas.generate(name), true) + "\n";
            Path file = LAYOUT.resolve("schema").resolve(name);
            if (UPDATE) {
                Files.writeString(file, generated);
            }
            assertEquals(generated, Files.readString(file), name + " is stale: run the tests with -Dnkd.updateDocs=true");
        }
    }

    @Test
    void readmeKeyTablesAreTheGeneratedOnes() throws IOException {
        Path readme = LAYOUT.resolve("README.md");
        String text = Files.readString(readme);
        String updated = replace(replace(text, "cluster", ConfigReference.table(ClusterDocument.class)),
                "image-catalog", ConfigReference.table(ImageCatalog.class));
        if (UPDATE) {
            Files.writeString(readme, updated);
        }
        assertEquals(updated, text, "repo-layout/README.md key tables are stale: run the tests with -Dnkd.updateDocs=true");
    }

    private static String replace(String text, String marker, String table) {
        String begin = "<!-- BEGIN GENERATED: " + marker + " -->\n";
        String end = "<!-- END GENERATED: " + marker + " -->";
        int i = text.indexOf(begin);
        int j = text.indexOf(end);
        assertTrue(i >= 0 && j > i, "markers for " + marker + " missing in repo-layout/README.md");
        return text.substring(0, i + begin.length()) + table + text.substring(j);
    }

    /** Every key the example uses is declared by the schema (additionalProperties is false everywhere). */
    @Test
    void theExampleUsesOnlySchemaKeys() throws IOException {
        JsonNode clusterSchema = new ObjectMapper().readTree(LAYOUT.resolve("schema/cluster.schema.json").toFile());
        JsonNode catalogSchema = new ObjectMapper().readTree(LAYOUT.resolve("schema/image-catalog.schema.json").toFile());
        try (Stream<Path> files = Files.walk(LAYOUT.resolve("example"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                JsonNode doc = new YAMLMapper().readTree(f.toFile());
                if (!doc.has("kind")) {
                    continue; // a Kubernetes manifest
                }
                JsonNode schema = "Cluster".equals(doc.path("kind").asText()) ? clusterSchema
                        : "ImageCatalog".equals(doc.path("kind").asText()) ? catalogSchema : null;
                if (schema != null) {
                    conforms(doc, schema, f + ":$");
                }
            }
        }
    }

    private static void conforms(JsonNode value, JsonNode schema, String where) {
        if (value.isObject() && schema.has("properties")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                var e = it.next();
                assertTrue(schema.path("properties").has(e.getKey()), where + "." + e.getKey() + " is not in the schema");
                conforms(e.getValue(), schema.path("properties").path(e.getKey()), where + "." + e.getKey());
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                conforms(value.get(i), schema.path("items"), where + "." + i);
            }
        }
    }
}
