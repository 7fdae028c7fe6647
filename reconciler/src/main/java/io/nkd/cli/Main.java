package io.nkd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code nkd} command. */
@Command(name = "nkd",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "GitOps for Kubernetes clusters on NestOS: a daemon follows a Git repository of cluster",
            "definitions, renders Ignition per node pool, provisions machines and rolls out upgrades.",
            ""
        },
        subcommands = {
            InitCommand.class,
            ValidateCommand.class,
            RenderCommand.class,
            PlanCommand.class,
            SchemaCommand.class,
            CertsCommand.class,
            ServeCommand.class,
            DemoCommand.class,
            StatusCommand.class,
            HistoryCommand.class,
            ReconcileCommand.class,
            ButaneCommand.class,
            IgnitionCommand.class,
            ImportCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Examples:",
            "  nkd butane --pretty --strict node.bu > node.ign",
            "  nkd ignition validate node.ign",
            "  nkd ignition merge base.ign overlay.ign",
            "  nkd import nkd-config cluster_config.yaml --out .",
            "",
            "Run 'nkd help COMMAND' for a command's options. Documentation: docs/ in the nkd repository."
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Show stack traces and debug logging for failures.")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (used by tests without exiting the JVM). */
    public static int execute(String... args) {
        if (java.util.Arrays.asList(args).contains("--debug")) {
            // before any logger exists: the simple backend reads its level once
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }
}
