package io.nkd.infra.registry;

import io.nkd.config.Infrastructure;
import io.nkd.infra.BuiltInProviders;
import io.nkd.infra.Provider;
import io.nkd.infra.libvirt.LibvirtProviders;
import io.nkd.infra.baremetal.BareMetalProvider;
import io.nkd.infra.baremetal.BareMetalRegistry;
import io.nkd.infra.baremetal.FetchRecord;
import io.nkd.infra.sandbox.SandboxProvider;
import java.time.Duration;
import io.nkd.secrets.SecretResolver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers of one nkd process (the daemon, or {@code nkd destroy}): builds one provider per distinct
 * {@code spec.infrastructure} of the clusters (the record's equality: two clusters with the same OpenStack cloud,
 * project and network share a client and its token), keeps it for the life of the process, and closes them all at the
 * end. How each built-in type is built is {@link #builtIn}'s list, one line per provider; {@link BuiltInProviders}
 * names the same types for {@code nkd plan} (a test keeps the two lists equal). It lives apart from {@code infra} so
 * that the provider packages, which depend on {@code infra}, are not depended upon by it.
 *
 * <p>Building a provider may fail (credentials missing, an endpoint unreachable): that is thrown to the caller
 * (the reconcile turns it into a condition and retries) and nothing is cached, so the next call tries again.
 */
public final class ProviderRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistry.class);

    /** How a provider of one type is built from a cluster's infrastructure settings. */
    @FunctionalInterface
    public interface Factory {
        Provider create(Infrastructure infrastructure, Context context);
    }

    /**
     * What a provider may need besides its settings: the state directory (a provider's own files, e.g. the sandbox's
     * machines) and the resolver of credentials ({@code {name: X}} in the state directory's secrets/, {@code {env: X}}).
     */
    public static final class Context {
        private final Path stateDir;
        private final SecretResolver secrets;
        private final Map<Object, Object> shared = new LinkedHashMap<>();
        private final java.util.function.Function<String, Map<String, java.time.Instant>> fetched;

        Context(Path stateDir, SecretResolver secrets, java.util.function.Function<String, Map<String, java.time.Instant>> fetched) {
            this.stateDir = stateDir;
            this.secrets = secrets;
            this.fetched = fetched;
        }

        /**
         * The Ignition server's record for a cluster: node name → when it first fetched its current pool config (for bare metal,
         * the only sign a machine exists). Empty where the process serves no Ignition.
         */
        public Map<String, java.time.Instant> fetched(String cluster) {
            return fetched.apply(cluster);
        }

        public Path stateDir() {
            return stateDir;
        }

        public SecretResolver secrets() {
            return secrets;
        }

        /**
         * One object per process under {@code key}, built on first use (e.g. the sandbox whose boot threads and files
         * every sandbox cluster shares); closed with the registry when it is {@link AutoCloseable}.
         */
        @SuppressWarnings("unchecked")
        public synchronized <T> T shared(Object key, Supplier<T> create) {
            return (T) shared.computeIfAbsent(key, k -> create.get());
        }

        synchronized List<Object> sharedObjects() {
            return new ArrayList<>(shared.values());
        }
    }

    private final Map<Infrastructure.ProviderType, Factory> factories;
    private final Context context;
    private final Map<Infrastructure, Provider> providers = new LinkedHashMap<>();

    /** The sandbox's boot delay when a cluster does not set spec.infrastructure.sandbox.bootTime. */
    static final Duration SANDBOX_BOOT_TIME = Duration.ofSeconds(2);

    /** How each built-in provider is built, by type: add a provider here (and its type to {@link BuiltInProviders}). */
    static Map<Infrastructure.ProviderType, Factory> builtIn() {
        Map<Infrastructure.ProviderType, Factory> f = new EnumMap<>(Infrastructure.ProviderType.class);
        // one sandbox per process (its machines boot on its threads), seen by each cluster with its own boot time
        f.put(Infrastructure.ProviderType.SANDBOX, (infra, ctx) -> {
            SandboxProvider sandbox = sandbox(ctx);
            return infra.sandbox() == null ? sandbox : sandbox.withBootTime(infra.sandbox().bootTime());
        });
        f.put(Infrastructure.ProviderType.OPENSTACK, (infra, ctx) ->
                io.nkd.infra.openstack.OpenStackProvider.of(infra.openstack(), ctx.secrets(), System.getenv()));
        f.put(Infrastructure.ProviderType.LIBVIRT, (infra, ctx) -> ctx.shared(LibvirtProviders.class,
                () -> new LibvirtProviders(ctx.stateDir(), java.time.Clock.systemUTC())).forSettings(infra.libvirt()));
        // one bare-metal registry per process, shared with the iPXE listener; the daemon hands in the Ignition server's
        // fetch record through the context (empty where no Ignition is served, as in nkd destroy)
        f.put(Infrastructure.ProviderType.BAREMETAL, (infra, ctx) -> new BareMetalProvider(
                ctx.shared(BareMetalRegistry.class, () -> new BareMetalRegistry(ctx.stateDir())),
                (FetchRecord) ctx::fetched, java.time.Clock.systemUTC()).withSettings(infra.baremetal()));
        return f;
    }

    /** The process's one sandbox, built on first use: its machines are also what the sandbox's simulated clusters run on. */
    public SandboxProvider sandbox() {
        return sandbox(context);
    }

    private static SandboxProvider sandbox(Context ctx) {
        return ctx.shared(SandboxProvider.class, () -> new SandboxProvider(ctx.stateDir(), SANDBOX_BOOT_TIME));
    }

    /**
     * One object per process under {@code key}, as providers see it through {@link Context#shared}: lets the daemon hand
     * providers what it owns as well (the bare-metal registry its iPXE listener shares, the Ignition server's fetch
     * record). Call it before the first {@link #forInfrastructure}.
     */
    public <T> T shared(Object key, Supplier<T> create) {
        return context.shared(key, create);
    }

    /** The built-in providers, without a fetch record. */
    public ProviderRegistry(Path stateDir, SecretResolver secrets) {
        this(stateDir, secrets, cluster -> Map.of(), builtIn());
    }

    /** The built-in providers, with the Ignition server's fetch record (node → last fetch, per cluster). */
    public ProviderRegistry(Path stateDir, SecretResolver secrets,
                            java.util.function.Function<String, Map<String, java.time.Instant>> fetched) {
        this(stateDir, secrets, fetched, builtIn());
    }

    /** Given factories (tests). */
    public ProviderRegistry(Path stateDir, SecretResolver secrets, Map<Infrastructure.ProviderType, Factory> factories) {
        this(stateDir, secrets, cluster -> Map.of(), factories);
    }

    /** The types this registry can build. */
    public java.util.Set<Infrastructure.ProviderType> types() {
        return java.util.Collections.unmodifiableSet(factories.keySet());
    }

    public ProviderRegistry(Path stateDir, SecretResolver secrets,
                            java.util.function.Function<String, Map<String, java.time.Instant>> fetched,
                            Map<Infrastructure.ProviderType, Factory> factories) {
        this.context = new Context(Objects.requireNonNull(stateDir, "stateDir"), Objects.requireNonNull(secrets, "secrets"),
                Objects.requireNonNull(fetched, "fetched"));
        this.factories = factories.isEmpty() ? Map.of() : new EnumMap<>(factories);
    }

    /** The provider for these settings, built on first use; empty when this nkd has none of that type. */
    public synchronized Optional<Provider> forInfrastructure(Infrastructure infrastructure) {
        Factory factory = factories.get(infrastructure.provider());
        if (factory == null) {
            return Optional.empty();
        }
        Provider p = providers.get(infrastructure);
        if (p == null) {
            p = factory.create(infrastructure, context);
            providers.put(infrastructure, p);
            LOG.debug("{} provider ready ({} in use)", p.name(), providers.size());
        }
        return Optional.of(p);
    }

    @Override
    public synchronized void close() {
        List<Object> all = new ArrayList<>(providers.values());
        all.addAll(context.sharedObjects());
        for (Object o : all) {
            if (o instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed: {}", o.getClass().getSimpleName(), e.getMessage());
                }
            }
        }
        providers.clear();
    }
}
