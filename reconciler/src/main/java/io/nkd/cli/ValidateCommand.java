package io.nkd.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.json.JsonOutput;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nkd validate}: every problem of the config repository, in one run. */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a config repository: cluster definitions, image catalogs and Butane snippets.",
            "Prints every problem with file:line:column and what to do; exit 0 when valid, 1 when not."
        },
        footer = {"", "Examples:",
            "  nkd validate --repo .",
            "  nkd validate --repo . --rev origin/main -o json"})
final class ValidateCommand implements Callable<Integer> {
    enum Format { TEXT, JSON }

    @Mixin
    RepoOptions repo;

    @Option(names = {"-o", "--output", "--format"}, defaultValue = "text", paramLabel = "FORMAT",
            description = "text (default) or json (for tools); --format is the older name.")
    Format format;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Also check that every referenced secret exists (DIR/secrets/<name>, or the environment variable).")
    java.nio.file.Path stateDir;

    @Override
    public Integer call() {
        RepositoryConfig config = ConfigLoader.load(repo.snapshot());
        Report all = config.allProblems();
        if (stateDir != null) {
            checkSecrets(config, all);
        }
        if (format == Format.JSON) {
            System.out.println(JsonOutput.write(toJson(config, all), true));
        } else {
            all.entries().forEach(e -> System.out.println(e));
            long errors = all.entries().stream().filter(Entry::isError).count();
            long warnings = all.entries().stream().filter(e -> e.severity() == Severity.WARNING).count();
            System.out.println((errors == 0 ? "valid: " : "invalid: ") + config.clusters().size() + " cluster(s), "
                    + config.images().size() + " image(s); " + errors + " error(s), " + warnings + " warning(s)");
        }
        return all.hasErrors() ? 1 : 0;
    }

    /** A referenced secret that does not exist is an error at the reference. */
    private void checkSecrets(RepositoryConfig config, Report all) {
        for (var cluster : config.clusters()) {
            if (cluster.document().value() == null) {
                continue;
            }
            for (var use : io.nkd.config.SecretRefs.of(cluster.spec())) {
                var ref = use.ref();
                boolean exists = ref.name() != null
                        ? java.nio.file.Files.isRegularFile(stateDir.resolve("secrets").resolve(ref.name()))
                        : System.getenv(ref.env()) != null;
                if (!exists) {
                    all.add(new Entry(Severity.ERROR, "MissingSecret", use.path(), cluster.document().at(use.path()),
                            ref + " does not exist; " + (ref.name() != null
                                    ? "create " + stateDir.resolve("secrets").resolve(ref.name()) + " (mode 0600)"
                                    : "set " + ref.env() + " in nkd's environment"), cluster.document().file()));
                }
            }
        }
    }

    private static ObjectNode toJson(RepositoryConfig config, Report all) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("revision", config.revision());
        root.put("valid", !all.hasErrors());
        ArrayNode clusters = root.putArray("clusters");
        config.clusters().forEach(c -> clusters.addObject().put("name", c.name()).put("valid", c.valid()));
        ArrayNode problems = root.putArray("problems");
        for (Entry e : all.entries()) {
            ObjectNode p = problems.addObject();
            p.put("severity", e.severity().label());
            p.put("code", e.code());
            if (e.file() != null) {
                p.put("file", e.file());
            }
            if (e.location() != null) {
                p.put("line", e.location().line());
                p.put("column", e.location().column());
            }
            if (e.path() != null) {
                p.put("path", e.path().toString());
            }
            p.put("message", e.message());
        }
        return root;
    }
}
