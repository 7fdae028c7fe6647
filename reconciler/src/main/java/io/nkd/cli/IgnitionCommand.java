package io.nkd.cli;

import picocli.CommandLine.Command;

/** {@code nkd ignition}: tools for Ignition configs. */
@Command(name = "ignition",
        mixinStandardHelpOptions = true,
        description = "Validate and merge Ignition configs (spec 3.0.0 to 3.6.0).",
        subcommands = {IgnitionValidateCommand.class, IgnitionMergeCommand.class})
final class IgnitionCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
