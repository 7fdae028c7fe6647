package io.nkd.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.state.ClusterState;
import io.nkd.status.Reasons;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call one reconcile (or {@code nkd destroy}) makes to a provider goes through here: each is timed
 * ({@code nkd_provider_request_duration_seconds{provider,operation}}), counted
 * ({@code nkd_provider_requests_total{provider,operation,result}}, result {@code ok} or the failure's kind in snake
 * case, e.g. {@code quota_exceeded}), and logged with cluster, commit and machine. It also remembers what the
 * reconcile learned (the machines listed, created and deleted; which create failed and why) so the status can show
 * each machine's progress even when a provider call ended the reconcile, and turns a provider failure into the
 * {@link ReconcileException} the status shows: its reason follows the {@link ProviderException.Kind}, its message
 * quotes the provider's own text and says what to do.
 *
 * <p>How the machines step uses it (three calls): {@code Provider p = s.calls.wrap(provider)} before any call;
 * {@code s.calls.recreateFailed(s.state, p, p.list(cluster))} as the machines that exist (failed machines due for
 * another try are deleted, so the step creates them again); and {@code throw s.calls.failure(p.name(), e)} for a
 * failed call. One instance per reconcile (in the {@link Scope}); not shared between threads.
 */
public final class ProviderCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderCalls.class);

    private final String cluster;
    private final String revision;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final FailedMachines failedMachines;
    private List<ProvisionedMachine> listed;
    private final Map<String, ProvisionedMachine> created = new LinkedHashMap<>();
    private final List<String> deleted = new ArrayList<>();
    private final Map<String, ProviderException> createFailures = new LinkedHashMap<>();

    public ProviderCalls(String cluster, String revision, MeterRegistry metrics, Clock clock) {
        this.cluster = cluster;
        this.revision = revision;
        this.metrics = metrics;
        this.clock = clock;
        this.failedMachines = new FailedMachines(clock);
    }

    /** The provider, with every call timed, counted, logged and remembered. */
    public Provider wrap(Provider provider) {
        if (provider instanceof Watched) {
            return provider;
        }
        return new Watched(provider);
    }

    /** The wrapped provider type, so a wrapped provider is recognised and not wrapped twice. */
    private final class Watched implements Provider {
        private final Provider p;

        Watched(Provider p) {
            this.p = p;
        }

        @Override
        public Infrastructure.ProviderType type() {
            return p.type();
        }

        @Override
        public String name() {
            return p.name();
        }

        @Override
        public List<ProvisionedMachine> list(String c) {
            List<ProvisionedMachine> out = call(p.name(), "list", null, () -> p.list(c));
            listed = List.copyOf(out);
            return out;
        }

        @Override
        public ProvisionedMachine create(MachineRequest r) {
            LOG.info("machine requested cluster={} commit={} machine={} pool={} provider={}", cluster, shortId(revision),
                    r.name(), r.pool(), p.name());
            try {
                ProvisionedMachine m = call(p.name(), "create", r.name(), () -> p.create(r));
                created.put(r.name(), m);
                createFailures.remove(r.name());
                return m;
            } catch (ProviderException e) {
                createFailures.put(r.name(), e);
                throw e;
            } catch (RuntimeException e) {
                createFailures.put(r.name(), asProviderException(e));
                throw e;
            }
        }

        @Override
        public void delete(String c, String machine) {
            call(p.name(), "delete", machine, () -> {
                p.delete(c, machine);
                return null;
            });
            LOG.info("machine deleted cluster={} commit={} machine={} provider={}", cluster, shortId(revision), machine, p.name());
            deleted.add(machine);
            created.remove(machine);
        }

        @Override
        public List<OwnedResource> owned(String c) {
            return call(p.name(), "owned", null, () -> p.owned(c));
        }

        @Override
        public List<OwnedResource> destroy(String c) {
            return call(p.name(), "destroy", null, () -> p.destroy(c));
        }
    }

    private <T> T call(String provider, String operation, String machine, Supplier<T> body) {
        Timer.Sample sample = Timer.start(metrics);
        String result = "ok";
        try {
            return body.get();
        } catch (ProviderException e) {
            result = e.kind().name().toLowerCase(Locale.ROOT);
            LOG.warn("provider call failed cluster={} commit={} provider={} operation={}{} kind={}: {}{}", cluster, shortId(revision),
                    provider, operation, machine == null ? "" : " machine=" + machine, result, e.getMessage(),
                    e.providerMessage() == null ? "" : " (provider: " + e.providerMessage() + ")");
            throw e;
        } catch (RuntimeException e) {
            result = "error";
            LOG.warn("provider call failed cluster={} commit={} provider={} operation={}{}: {}", cluster, shortId(revision),
                    provider, operation, machine == null ? "" : " machine=" + machine, e.toString());
            throw e;
        } finally {
            sample.stop(Timer.builder("nkd_provider_request_duration_seconds").description("Duration of calls to a provider's API")
                    .tag("provider", provider).tag("operation", operation).register(metrics));
            metrics.counter("nkd_provider_requests_total", "provider", provider, "operation", operation, "result", result).increment();
        }
    }

    /**
     * Deletes the machines the provider reports FAILED that are due for another try, so that the create that follows
     * (the machine is now missing) builds them again; returns the machines that remain. See {@link FailedMachines}.
     */
    public List<ProvisionedMachine> recreateFailed(ClusterState state, Provider provider, List<ProvisionedMachine> machines) {
        return failedMachines.recreateDue(state, wrap(provider), machines, cluster, revision);
    }

    /** What nkd knows of the failed machines after {@link #recreateFailed}: re-created how often, next try when. */
    Map<String, FailedMachines.Tries> failedMachineTries() {
        return failedMachines.tries();
    }

    /** The machines this reconcile saw: the last list, plus what it created since, minus what it deleted. */
    List<ProvisionedMachine> observed() {
        Map<String, ProvisionedMachine> out = new LinkedHashMap<>();
        if (listed != null) {
            listed.forEach(m -> out.put(m.name(), m));
        }
        out.putAll(created);
        deleted.forEach(out::remove);
        return new ArrayList<>(out.values());
    }

    /** Whether this reconcile listed the provider's machines at all. */
    boolean listedAny() {
        return listed != null;
    }

    /** Why the provider refused to create this node's machine in this reconcile, if it did. */
    Optional<ProviderException> createFailure(String node) {
        return Optional.ofNullable(createFailures.get(node));
    }

    /** A failed provider call as the reconcile's failure: reason by kind, the provider's words, what to do. */
    public ReconcileException failure(String provider, RuntimeException e) {
        ProviderException p = asProviderException(e);
        return new ReconcileException.Transient(reason(p.kind()), describe(provider, p), e);
    }

    /** The sentence a condition shows: what failed, the provider's own words, and what to do. */
    static String describe(String provider, ProviderException p) {
        StringBuilder out = new StringBuilder(provider).append(": ").append(p.getMessage());
        if (p.providerMessage() != null && !p.providerMessage().isBlank()
                && (p.getMessage() == null || !p.getMessage().contains(p.providerMessage()))) {
            out.append(": \"").append(p.providerMessage()).append('"');
        }
        return out.append(". ").append(advice(p.kind())).toString();
    }

    private static ProviderException asProviderException(RuntimeException e) {
        if (e instanceof ProviderException p) {
            return p;
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ProviderException(ProviderException.Kind.OTHER, message, null, e);
    }

    /** The condition reason of a provider failure of this kind. */
    public static String reason(ProviderException.Kind kind) {
        return switch (kind) {
            case QUOTA_EXCEEDED -> Reasons.QUOTA_EXCEEDED;
            case NO_VALID_HOST -> Reasons.NO_VALID_HOST;
            case CONFLICT -> Reasons.PROVIDER_CONFLICT;
            case UNAUTHORIZED -> Reasons.PROVIDER_UNAUTHORIZED;
            case NOT_FOUND -> Reasons.PROVIDER_NOT_FOUND;
            case SERVER_ERROR -> Reasons.PROVIDER_ERROR;
            case UNREACHABLE -> Reasons.PROVIDER_UNREACHABLE;
            case OTHER -> Reasons.PROVISIONING_FAILED;
        };
    }

    /** What an operator can do about a provider failure of this kind; nkd retries in every case. */
    static String advice(ProviderException.Kind kind) {
        return switch (kind) {
            case QUOTA_EXCEEDED -> "Raise the project's quota or lower the pool's replicas in Git; nkd retries with backoff";
            case NO_VALID_HOST -> "No host can take the machine: free capacity or choose a smaller size in Git; nkd retries with backoff";
            case CONFLICT -> "Something not created by nkd is in the way (a name or an address): remove or rename it; nkd retries with backoff";
            case UNAUTHORIZED -> "Check the provider credentials in nkd's state directory or environment; nkd retries with backoff";
            case NOT_FOUND -> "Something cluster.yaml names does not exist at the provider: fix cluster.yaml or create it; nkd retries with backoff";
            case SERVER_ERROR -> "The provider failed (check its logs if this persists); nkd retries with backoff";
            case UNREACHABLE -> "Check that the provider's endpoint is reachable from nkd; nkd retries with backoff";
            case OTHER -> "nkd retries with backoff";
        };
    }

    private static String shortId(String revision) {
        return revision == null ? "-" : Steps.shortId(revision);
    }

    Clock clock() {
        return clock;
    }

    MeterRegistry metrics() {
        return metrics;
    }
}
