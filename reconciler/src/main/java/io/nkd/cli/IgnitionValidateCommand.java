package io.nkd.cli;

import io.nkd.ignition.IgnitionConfigs;
import io.nkd.report.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nkd ignition validate}: like {@code ignition-validate}, for every file given. */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Validate Ignition configs (spec 3.0.0 to 3.6.0) with Ignition's rules.",
            "Prints each problem with its JSON path, line and column; exit 1 if any file has errors."
        },
        footer = {"", "Example:", "  nkd ignition validate worker.ign control-plane.ign"})
final class IgnitionValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Ignition config files ('-' for standard input).")
    List<Path> files;

    @Override
    public Integer call() {
        int exit = 0;
        for (Path file : files) {
            String text = read(file);
            IgnitionConfigs.Parsed parsed = IgnitionConfigs.parseAndValidate(text);
            for (Entry e : parsed.report().entries()) {
                System.err.println(file + ": " + e);
            }
            if (!parsed.ok()) {
                exit = 1;
            }
        }
        return exit;
    }

    static String read(Path file) {
        try {
            if (file.toString().equals("-")) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserException("cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + Failures.describe(e));
        }
    }
}
