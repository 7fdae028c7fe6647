package io.nkd.housekeeper;

import io.nkd.housekeeper.agent.AgentCommand;
import io.nkd.housekeeper.operator.OperatorCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar housekeeper.jar operator|agent …}: one image and one jar for both components, as the manifests in
 * templates/housekeeper run them.
 */
@Command(name = "housekeeper", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The in-cluster half of nkd: rolls OS image and Kubernetes version upgrades out node by node.",
        subcommands = {OperatorCommand.class, AgentCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say which component to run: operator or agent");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"housekeeper " + (v == null ? "(development build)" : v)};
        }
    }
}
