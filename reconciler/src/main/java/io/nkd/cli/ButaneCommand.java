package io.nkd.cli;

import io.nkd.butane.Butane;
import io.nkd.json.JsonOutput;
import io.nkd.report.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd butane}: a drop-in for the {@code butane} tool (variant fcos). */
@Command(name = "butane",
        mixinStandardHelpOptions = true,
        description = {
            "Translate a Butane config (variant fcos, 1.0.0 to 1.7.0) into Ignition JSON.",
            "Flag-compatible with the butane tool. Reads INPUT, or standard input when INPUT is omitted.",
            "Warnings go to standard error; exit status 0 on success, 1 on errors (or warnings with --strict)."
        },
        footer = {
            "",
            "Examples:",
            "  nkd butane --pretty --strict config.bu > config.ign",
            "  nkd butane -d ./files -o node.ign node.bu     # local: and trees read from ./files",
            "  cat config.bu | nkd butane"
        })
final class ButaneCommand implements Callable<Integer> {
    @Option(names = {"-p", "--pretty"}, description = "Output formatted JSON.")
    boolean pretty;

    @Option(names = {"-s", "--strict"}, description = "Fail on any warning.")
    boolean strict;

    @Option(names = {"-d", "--files-dir"}, paramLabel = "DIR",
            description = "Directory from which to embed local files (local:, trees, *_local).")
    Path filesDir;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the output to FILE.")
    Path output;

    @Option(names = {"-r", "--raw"},
            description = "Never wrap in a MachineConfig (accepted for compatibility; fcos output is never wrapped).")
    boolean raw;

    @Parameters(arity = "0..1", paramLabel = "INPUT", description = "The Butane file (default: standard input).")
    Path input;

    /**
     * The arguments of {@code nkd butane} when they use only butane's own flags, parsed without picocli, whose
     * reflective set-up is most of the start-up of a short command; anything else (help, version, nkd's
     * global options, an unknown or malformed flag) returns empty and picocli parses it, with its messages.
     * ButaneFastPathTest checks both parsers agree.
     */
    static java.util.Optional<ButaneCommand> parseFast(java.util.List<String> args) {
        ButaneCommand c = new ButaneCommand();
        boolean operandsOnly = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (operandsOnly || !a.startsWith("-") || a.equals("-")) {
                if (c.input != null || a.equals("-")) {
                    return java.util.Optional.empty();
                }
                c.input = Path.of(a);
                continue;
            }
            switch (a) {
                case "--" -> operandsOnly = true;
                case "-p", "--pretty" -> c.pretty = true;
                case "-s", "--strict" -> c.strict = true;
                case "-r", "--raw" -> c.raw = true;
                case "-d", "--files-dir", "-o", "--output" -> {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("-")) {
                        return java.util.Optional.empty();
                    }
                    Path value = Path.of(args.get(++i));
                    if (a.equals("-d") || a.equals("--files-dir")) {
                        c.filesDir = value;
                    } else {
                        c.output = value;
                    }
                }
                default -> {
                    // clustered boolean flags (-ps), as butane accepts them
                    if (!a.matches("-[psr]{2,3}")) {
                        return java.util.Optional.empty();
                    }
                    c.pretty |= a.indexOf('p') > 0;
                    c.strict |= a.indexOf('s') > 0;
                    c.raw |= a.indexOf('r') > 0;
                }
            }
        }
        return java.util.Optional.of(c);
    }

    @Override
    public Integer call() {
        String text = readInput();
        Butane.Result result = Butane.translate(text, new Butane.Options(filesDir));
        String source = input == null ? "" : input + ": ";
        for (Entry e : result.report().entries()) {
            System.err.println(source + e);
        }
        if (!result.ok(strict)) {
            System.err.println(strict && !result.report().hasErrors()
                    ? "Error: config produced warnings and --strict was specified"
                    : "Error: the config is invalid; fix the problems above and run again");
            return 1;
        }
        String json = JsonOutput.write(result.config(), pretty) + "\n";
        if (output != null) {
            try {
                Files.writeString(output, json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UserException("cannot write " + output + ": " + Failures.describe(e));
            }
        } else {
            System.out.print(json);
            System.out.flush();
        }
        return 0;
    }

    private String readInput() {
        try {
            byte[] bytes;
            if (input == null) {
                try (InputStream in = System.in) {
                    bytes = in.readAllBytes();
                }
            } else {
                if (Files.isDirectory(input)) {
                    throw new UserException(input + " is a directory; give a Butane file");
                }
                bytes = Files.readAllBytes(input);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserException("cannot read " + input + ": no such file");
        } catch (IOException e) {
            throw new UserException("cannot read " + (input == null ? "standard input" : input) + ": " + Failures.describe(e));
        }
    }
}
