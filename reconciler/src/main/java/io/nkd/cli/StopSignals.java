package io.nkd.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into an orderly stop. Without this, the JVM answers them by running shutdown hooks and
 * exiting with 128+signal (143 for SIGTERM) however cleanly the daemon stopped; with it, the daemon closes and
 * {@code nkd serve} exits 0, which is what systemd and Kubernetes expect from a graceful stop.
 * {@code sun.misc.Signal} (module jdk.unsupported) is the only way the JDK offers to handle a signal.
 */
final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {
    }

    @SuppressWarnings("restriction")
    static void install(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    LOG.info("received SIG{}", name);
                    stop.run();
                });
            } catch (IllegalArgumentException e) {
                // e.g. the JVM runs with -Xrs: the shutdown hook still closes the daemon, the exit status is then 143
                LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
    }
}
