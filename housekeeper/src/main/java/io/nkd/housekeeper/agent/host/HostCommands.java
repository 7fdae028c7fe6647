package io.nkd.housekeeper.agent.host;

import java.time.Duration;
import java.util.List;

/**
 * Runs a command on the node's host. The agent runs in a container; every host action (rpm-ostree, systemctl,
 * kubeadm, kubelet) goes through this one interface so that tests can replace the host with a recording double and
 * so that every command is logged and reported the same way.
 *
 * <p>Commands are argument vectors, never shell strings: nothing is ever interpreted by a shell, so an image URL or a
 * version from an Update cannot inject anything.
 */
public interface HostCommands {

    /**
     * Runs {@code argv} and waits for it, at most {@code timeout}.
     *
     * @return the result; a command that could not start or timed out has a null exit code (and was killed)
     * @throws InterruptedException when the calling thread is interrupted (the command is killed first)
     */
    CommandResult run(List<String> argv, Duration timeout) throws InterruptedException;
}
