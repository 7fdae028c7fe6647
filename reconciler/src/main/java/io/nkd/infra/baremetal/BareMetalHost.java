package io.nkd.infra.baremetal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.nkd.infra.MachineMetadata;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A registered bare-metal machine, as the registry keeps it: its MAC, whose node it is, nkd's metadata
 * ({@link MachineMetadata}: marker, cluster, pool, node, config version, revision, spec), what its iPXE script boots,
 * and its pointer config. The pointer holds the node's token: {@link #toString()} never shows it.
 *
 * @param pointerFetches how many times the installer fetched the pointer over the iPXE listener
 * @param pointerFetchedFrom the address of the latest pointer fetch, or null
 * @param pointerFetchedAt   when (ISO-8601), or null
 */
public record BareMetalHost(String mac, String cluster, String node, Map<String, String> metadata, BootSettings boot, String pointer,
                            int pointerFetches, String pointerFetchedFrom, String pointerFetchedAt) {
    public BareMetalHost {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(pointer, "pointer");
        metadata = Map.copyOf(metadata);
    }

    @JsonIgnore
    public MacAddress macAddress() {
        return new MacAddress(mac);
    }

    @JsonIgnore
    public String pool() {
        return metadata.get(MachineMetadata.POOL);
    }

    /** The same host after the installer fetched its pointer from {@code from}. */
    BareMetalHost pointerFetched(String from, Instant at) {
        return new BareMetalHost(mac, cluster, node, metadata, boot, pointer, pointerFetches + 1, from, at.toString());
    }

    /** The same host booting {@code next}. */
    BareMetalHost withBoot(BootSettings next) {
        return new BareMetalHost(mac, cluster, node, metadata, next, pointer, pointerFetches, pointerFetchedFrom, pointerFetchedAt);
    }

    @Override
    public String toString() {
        return "BareMetalHost[" + mac + " " + cluster + "/" + node + ", pointer=<redacted>]";
    }
}
