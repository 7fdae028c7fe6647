package io.nkd.cli;

import io.nkd.log.LogFormat;
import io.nkd.log.LogLevel;
import io.nkd.log.LogSettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code nkd} command.
 *
 * <p>Subcommands are registered by class, and only the one being run is built: picocli builds a command's
 * model by reflection over its annotations, and building all fourteen (with the daemon's, Git's and the
 * PKI's classes they reference) cost more start-up than {@code nkd butane} spends translating. The full tree
 * is built only for the top-level help.
 */
@Command(name = "nkd",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "GitOps for Kubernetes clusters on NestOS: a daemon follows a Git repository of cluster "
                    + "definitions, renders Ignition per node pool, provisions machines and rolls out upgrades.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  nkd butane --pretty --strict node.bu > node.ign",
            "  nkd ignition validate node.ign",
            "  nkd ignition merge base.ign overlay.ign",
            "  nkd import nkd-config cluster_config.yaml --out .",
            "",
            "Run 'nkd help COMMAND' or 'nkd COMMAND --help' for a command's options.",
            "Documentation: docs/ in the nkd repository."
        })
public final class Main implements Runnable {
    /** Every subcommand, in the order {@code nkd --help} lists them. */
    static final List<String> COMMANDS = List.of("init", "validate", "render", "plan", "schema", "certs", "kubeconfig", "serve", "demo",
            "status", "history", "reconcile", "destroy", "baremetal", "butane", "ignition", "import", "state");

    /** Options of {@code nkd} itself that take a value (so the value is not mistaken for the command). */
    private static final List<String> VALUE_OPTIONS = List.of("--log-level", "--log-format");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Show stack traces and debug logging for failures.")
    boolean debug;

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = CommandLine.ScopeType.INHERIT,
            description = "error, warn, info (default), debug or trace; env NKD_LOG_LEVEL. Libraries log one level quieter.")
    LogLevel logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", scope = CommandLine.ScopeType.INHERIT,
            description = "text (default) or json (one object per line: time, level, logger, message, cluster, commit); "
                    + "env NKD_LOG_FORMAT.")
    LogFormat logFormat;

    /**
     * The class of a subcommand. A switch rather than a map of class literals: a literal loads its class, and
     * a loaded command class pulls in what its catch clauses name (JGit's exceptions are in a signed jar whose
     * signature check alone costs a short command tens of milliseconds).
     */
    static Class<?> commandClass(String name) {
        return switch (name) {
            case "init" -> InitCommand.class;
            case "validate" -> ValidateCommand.class;
            case "render" -> RenderCommand.class;
            case "plan" -> PlanCommand.class;
            case "schema" -> SchemaCommand.class;
            case "certs" -> CertsCommand.class;
            case "kubeconfig" -> KubeconfigCommand.class;
            case "serve" -> ServeCommand.class;
            case "demo" -> DemoCommand.class;
            case "status" -> StatusCommand.class;
            case "history" -> HistoryCommand.class;
            case "reconcile" -> ReconcileCommand.class;
            case "baremetal" -> BaremetalCommand.class;
            case "destroy" -> DestroyCommand.class;
            case "butane" -> ButaneCommand.class;
            case "ignition" -> IgnitionCommand.class;
            case "import" -> ImportCommand.class;
            case "state" -> StateCommand.class;
            default -> throw new IllegalArgumentException("no command " + name);
        };
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (used by tests without exiting the JVM). */
    public static int execute(String... args) {
        configureLogging(args);
        if (args.length > 0 && args[0].equals("butane")) {
            var fast = ButaneCommand.parseFast(java.util.Arrays.asList(args).subList(1, args.length));
            if (fast.isPresent()) {
                try {
                    return fast.get().call();
                } catch (RuntimeException e) {
                    return UserErrorHandler.report(e, new PrintWriter(System.err, true), false);
                }
            }
        }
        String command = commandName(args);
        if (command != null && !command.equals("help") && !COMMANDS.contains(command)) {
            return unknownCommand(command, build(null), new PrintWriter(System.err, true));
        }
        CommandLine cli = build(command);
        String nested = unknownNestedCommand(cli, command, args);
        if (nested != null) {
            return unknownCommand(nested, cli.getSubcommands().get(command), new PrintWriter(System.err, true));
        }
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        return cli.execute(args);
    }

    /** The command line with the one subcommand {@code command} names, or every subcommand when it is null or help. */
    static CommandLine build(String command) {
        CommandLine cli = new CommandLine(new Main());
        if (command == null || command.equals("help")) {
            COMMANDS.forEach(name -> cli.addSubcommand(name, commandClass(name)));
            cli.addSubcommand("help", CommandLine.HelpCommand.class);
        } else {
            cli.addSubcommand(command, commandClass(command));
        }
        // after adding: picocli applies it to the subcommands that exist
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // wrap help to the terminal, so a description is never cut at a fixed column
        cli.setUsageHelpAutoWidth(true);
        return cli;
    }

    /** The first argument that is not an option of nkd itself (or null): the subcommand to run. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return i + 1 < args.length ? args[i + 1] : null;
            }
            if (!a.startsWith("-")) {
                return a;
            }
            if (VALUE_OPTIONS.contains(a)) {
                i++;
            }
        }
        return null;
    }

    /**
     * For a command with subcommands ({@code nkd certs list}): the first argument after it that names none
     * of them, or null. Those commands take no options with values, so the first non-option is the name.
     */
    private static String unknownNestedCommand(CommandLine cli, String command, String[] args) {
        if (command == null || command.equals("help")) {
            return null;
        }
        CommandLine current = cli.getSubcommands().get(command);
        int i = java.util.Arrays.asList(args).indexOf(command) + 1;
        while (current != null && !current.getSubcommands().isEmpty()) {
            while (i < args.length && args[i].startsWith("-")) {
                i++;
            }
            if (i >= args.length) {
                return null;
            }
            CommandLine next = current.getSubcommands().get(args[i]);
            if (next == null) {
                return args[i];
            }
            current = next;
            i++;
        }
        return null;
    }

    /** picocli would print the parent's help for {@code nkd destroy --help} and exit 0; a typo must fail. */
    private static int unknownCommand(String command, CommandLine parent, PrintWriter err) {
        List<String> names = parent.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
        String qualified = parent.getCommandSpec().qualifiedName();
        List<String> close = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(command) || command.startsWith(name) || distance(name, command) <= 2) {
                close.add(name);
            }
        }
        err.println("Error: unknown command '" + (qualified.equals("nkd") ? "" : qualified.substring(4) + " ") + command + "'");
        if (!close.isEmpty()) {
            err.println("Did you mean: " + String.join(", ", close) + "?");
        }
        err.println("Commands of " + qualified + ": " + String.join(", ", names) + ". Run '" + qualified
                + " --help' for what each does.");
        err.flush();
        return 2;
    }

    /** Levenshtein distance: how many single-letter edits turn {@code a} into {@code b}. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /**
     * Applies --debug, --log-level and --log-format before picocli runs, so that loggers created while the
     * command is being built already log at the right level. picocli parses the same options again and
     * reports an invalid value.
     */
    private static void configureLogging(String[] args) {
        LogLevel level = null;
        LogFormat format = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            String value = a.startsWith("--log-level=") || a.startsWith("--log-format=") ? a.substring(a.indexOf('=') + 1)
                    : VALUE_OPTIONS.contains(a) && i + 1 < args.length ? args[i + 1] : null;
            if (a.startsWith("--log-level")) {
                level = LogLevel.parse(value).orElse(level);
            } else if (a.startsWith("--log-format")) {
                format = LogFormat.parse(value).orElse(format);
            } else if (a.equals("--debug") && level == null) {
                level = LogLevel.DEBUG;
            }
        }
        LogSettings.reset();
        LogSettings.configure(level, format);
    }
}
