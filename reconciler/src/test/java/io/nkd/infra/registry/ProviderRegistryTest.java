package io.nkd.infra.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.Infrastructure;
import io.nkd.infra.BuiltInProviders;
import io.nkd.infra.Provider;
import io.nkd.secrets.SecretResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void theRegistryBuildsExactlyTheTypesThePlanCallsAvailable() {
        try (ProviderRegistry registry = new ProviderRegistry(tmp, new SecretResolver(tmp, Map.of()))) {
            for (Infrastructure.ProviderType type : Infrastructure.ProviderType.values()) {
                assertEquals(BuiltInProviders.available(type), registry.types().contains(type),
                        type + ": BuiltInProviders and the registry's built-in list must name the same providers");
            }
            assertTrue(Arrays.stream(Infrastructure.ProviderType.values()).anyMatch(BuiltInProviders::available));
        }
    }

    @Test
    void oneProviderPerDistinctSettingsIsBuiltOnceAndSharedByEqualSettings() {
        int[] built = {0};
        Map<Infrastructure.ProviderType, ProviderRegistry.Factory> factories = Map.of(Infrastructure.ProviderType.SANDBOX, (infra, ctx) -> {
            built[0]++;
            assertEquals(tmp, ctx.stateDir(), "providers get the state directory");
            return new Stub();
        });
        try (ProviderRegistry registry = new ProviderRegistry(tmp, new SecretResolver(tmp, Map.of()), factories)) {
            Infrastructure fast = sandbox(Duration.ofMillis(50));
            Provider a = registry.forInfrastructure(fast).orElseThrow();
            assertSame(a, registry.forInfrastructure(sandbox(Duration.ofMillis(50))).orElseThrow(), "equal settings share one provider");
            registry.forInfrastructure(sandbox(Duration.ofSeconds(1))).orElseThrow();
            assertEquals(2, built[0]);
            assertTrue(registry.forInfrastructure(new Infrastructure(Infrastructure.ProviderType.LIBVIRT, null, null, null, null)).isEmpty(),
                    "a type without a factory has no provider");
        }
    }

    /** A provider with no machines. */
    static final class Stub implements Provider {
        @Override
        public Infrastructure.ProviderType type() {
            return Infrastructure.ProviderType.SANDBOX;
        }

        @Override
        public java.util.List<io.nkd.infra.ProvisionedMachine> list(String cluster) {
            return java.util.List.of();
        }

        @Override
        public io.nkd.infra.ProvisionedMachine create(io.nkd.infra.MachineRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String cluster, String machine) {
        }

        @Override
        public java.util.List<io.nkd.infra.OwnedResource> owned(String cluster) {
            return java.util.List.of();
        }

        @Override
        public java.util.List<io.nkd.infra.OwnedResource> destroy(String cluster) {
            return java.util.List.of();
        }
    }

    private static Infrastructure sandbox(Duration bootTime) {
        return new Infrastructure(Infrastructure.ProviderType.SANDBOX, null, null, null, new Infrastructure.Sandbox(bootTime));
    }
}
