package io.nkd.reconcile;

import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.state.ClusterState;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What nkd does with a machine its provider reports FAILED (Nova ERROR, a domain that crashed): it deletes it and
 * creates it again, at most {@value #MAX_RECREATIONS} times, waiting {@link #FIRST_DELAY} after the first failure and
 * twice as long after each later one (30 s, 1 min, 2 min); after that it leaves the machine FAILED with the provider's
 * message, and the cluster says so (reason {@code MachinesFailed}) until someone deletes the machine at the provider
 * or pushes a change. A machine that reaches ACTIVE starts with a clean slate. The counts are kept in the cluster's
 * state ({@value #PATH}), so a restart neither forgets them nor re-creates a machine more often.
 */
final class FailedMachines {
    static final String PATH = "machines/failures.json";
    static final int MAX_RECREATIONS = 3;
    static final Duration FIRST_DELAY = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(FailedMachines.class);

    /**
     * One machine's failures.
     *
     * @param recreations how often nkd deleted and re-created it so far
     * @param failedAt    when nkd first saw its current incarnation FAILED (null while it is not)
     * @param message     the provider's words about the latest failure
     */
    record Failure(int recreations, Instant failedAt, String message) {
    }

    record FailureFile(Map<String, Failure> machines) {
        FailureFile {
            machines = machines == null ? Map.of() : Map.copyOf(machines);
        }
    }

    /**
     * What the status shows of a failed machine.
     *
     * @param nextAt when nkd re-creates it, or null when it gave up
     */
    record Tries(int recreations, Instant nextAt, String message) {
        boolean givenUp() {
            return nextAt == null;
        }
    }

    private final Clock clock;
    private final Map<String, Tries> tries = new TreeMap<>();

    FailedMachines(Clock clock) {
        this.clock = clock;
    }

    static Duration delay(int recreations) {
        return FIRST_DELAY.multipliedBy(1L << Math.min(recreations, 10));
    }

    List<ProvisionedMachine> recreateDue(ClusterState state, Provider provider, List<ProvisionedMachine> machines, String cluster,
                                         String revision) {
        Map<String, Failure> stored = new TreeMap<>(state.readJson(PATH, FailureFile.class, Recovery.REGENERATED)
                .map(FailureFile::machines).orElse(Map.of()));
        Map<String, Failure> next = new TreeMap<>(stored);
        Instant now = clock.instant();
        List<ProvisionedMachine> remaining = new ArrayList<>();
        for (ProvisionedMachine m : machines) {
            Failure f = next.get(m.name());
            if (m.state() == ProvisionedMachine.State.ACTIVE) {
                next.remove(m.name()); // it made it: a later failure starts counting afresh
                remaining.add(m);
                continue;
            }
            if (m.state() != ProvisionedMachine.State.FAILED) {
                remaining.add(m);
                continue;
            }
            int recreations = f == null ? 0 : f.recreations();
            Instant failedAt = f == null || f.failedAt() == null ? now : f.failedAt();
            if (recreations >= MAX_RECREATIONS) {
                next.put(m.name(), new Failure(recreations, failedAt, m.message()));
                tries.put(m.name(), new Tries(recreations, null, m.message()));
                remaining.add(m);
                continue;
            }
            Instant due = failedAt.plus(delay(recreations));
            if (now.isBefore(due)) {
                next.put(m.name(), new Failure(recreations, failedAt, m.message()));
                tries.put(m.name(), new Tries(recreations, due, m.message()));
                remaining.add(m);
                continue;
            }
            LOG.warn("machine failed cluster={} commit={} machine={}: {}; deleting it to create it again (re-creation {} of {})",
                    cluster, Steps.shortId(revision), m.name(), m.message() == null ? "no message from the provider" : m.message(),
                    recreations + 1, MAX_RECREATIONS);
            provider.delete(cluster, m.name());
            next.put(m.name(), new Failure(recreations + 1, null, m.message()));
            tries.put(m.name(), new Tries(recreations + 1, now, m.message()));
        }
        if (!next.equals(stored)) {
            state.writeJson(PATH, new FailureFile(next), Sensitivity.PUBLIC);
        }
        return remaining;
    }

    Map<String, Tries> tries() {
        return Map.copyOf(tries);
    }
}
