package io.nkd.cli;

import io.nkd.config.JsonSchemas;
import io.nkd.json.JsonOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd schema}: the JSON Schemas of the config repository's files, for editors. */
@Command(name = "schema",
        mixinStandardHelpOptions = true,
        description = {"Print or write the JSON Schemas of cluster.yaml and image catalogs (for editor completion)."},
        footer = {"", "Examples:", "  nkd schema --out repo-layout/schema", "  nkd schema --print cluster.schema.json"})
final class SchemaCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "Write every schema into DIR.")
    Path out;

    @Option(names = "--print", paramLabel = "NAME", description = "Print one schema (cluster.schema.json, image-catalog.schema.json).")
    String print;

    @Override
    public Integer call() throws IOException {
        if (print != null) {
            if (!JsonSchemas.DOCUMENTS.containsKey(print)) {
                throw new UserException("unknown schema " + print + "; known: " + new TreeSet<>(JsonSchemas.DOCUMENTS.keySet()));
            }
            System.out.println(JsonOutput.write(JsonSchemas.generate(print), true));
            return 0;
        }
        if (out == null) {
            throw new UserException("give --out DIR or --print NAME");
        }
        Files.createDirectories(out);
        for (String name : new TreeSet<>(JsonSchemas.DOCUMENTS.keySet())) {
            Files.writeString(out.resolve(name), JsonOutput.write(JsonSchemas.generate(name), true) + "\n", StandardCharsets.UTF_8);
            System.out.println("wrote " + out.resolve(name));
        }
        return 0;
    }
}
