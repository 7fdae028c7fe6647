package io.nkd.infra;

import io.nkd.config.Infrastructure;
import java.util.EnumSet;
import java.util.Set;

/**
 * The infrastructure types this build of nkd can create machines on. The daemon stalls a cluster of any other
 * type at ReconcileMachines ({@code ProvisioningFailed}), and {@code nkd plan} says so instead of listing
 * machines that will not be created. Adding a provider: its type here, and its constructor in
 * ProviderRegistry (infra.registry)'s built-in list (a test keeps the two equal).
 */
public final class BuiltInProviders {
    private static final Set<Infrastructure.ProviderType> AVAILABLE = EnumSet.of(Infrastructure.ProviderType.SANDBOX,
            Infrastructure.ProviderType.OPENSTACK);

    private BuiltInProviders() {
    }

    public static boolean available(Infrastructure.ProviderType type) {
        return AVAILABLE.contains(type);
    }

    /** The sentence the daemon stalls with and the plan quotes. */
    public static String unavailable(Infrastructure.ProviderType type) {
        return "no " + type.wire() + " provider is available in this nkd (only "
                + String.join(", ", AVAILABLE.stream().map(Infrastructure.ProviderType::wire).toList()) + " for now)";
    }
}
