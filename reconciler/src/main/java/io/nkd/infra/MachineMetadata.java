package io.nkd.infra;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The facts nkd writes on every object it creates (OpenStack metadata and tags, libvirt's domain
 * {@code <metadata>}, the bare-metal registry), under one set of keys so every provider reads back the same
 * thing. {@link #MARKER} set to {@code "true"} is what makes an object nkd's: objects without it are never
 * listed, changed or deleted. OpenStack caps keys and values at 255 characters; these stay far below.
 */
public final class MachineMetadata {
    public static final String PREFIX = "nkd.io/";
    public static final String MARKER = PREFIX + "managed";
    public static final String CLUSTER = PREFIX + "cluster";
    public static final String POOL = PREFIX + "pool";
    public static final String NODE = PREFIX + "node";
    public static final String ROLE = PREFIX + "role";
    public static final String CONFIG_VERSION = PREFIX + "config-version";
    public static final String REVISION = PREFIX + "revision";
    public static final String CREATED = PREFIX + "created";
    public static final String SIZE = PREFIX + "spec-size";
    public static final String IMAGE = PREFIX + "spec-image";
    public static final String MAC = PREFIX + "spec-mac";
    public static final String IP = PREFIX + "spec-ip";

    private MachineMetadata() {
    }

    /** The metadata of a machine about to be created. */
    public static Map<String, String> of(MachineRequest r, Instant created) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MARKER, "true");
        m.put(CLUSTER, r.cluster());
        m.put(POOL, r.pool());
        m.put(NODE, r.name());
        m.put(ROLE, r.role().wire());
        m.put(CONFIG_VERSION, r.configVersion());
        m.put(REVISION, r.revision());
        m.put(CREATED, created.toString());
        m.put(SIZE, r.spec().size());
        m.put(IMAGE, r.spec().image());
        m.put(MAC, r.spec().mac());
        m.put(IP, r.spec().ip());
        return m;
    }

    /** The metadata that marks a cluster-level object (a security group, a server group) as nkd's. */
    public static Map<String, String> ofCluster(String cluster) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MARKER, "true");
        m.put(CLUSTER, cluster);
        return m;
    }

    /** Whether an object's metadata says nkd created it for this cluster. */
    public static boolean owns(Map<String, String> metadata, String cluster) {
        return metadata != null && "true".equals(metadata.get(MARKER)) && cluster.equals(metadata.get(CLUSTER));
    }

    /**
     * The machine this metadata describes, in the given state; empty when it is not a machine of nkd's for
     * this cluster (no marker, another cluster, or no node name).
     */
    public static Optional<ProvisionedMachine> machine(Map<String, String> md, String cluster, ProvisionedMachine.State state,
                                                       String address, String message) {
        if (!owns(md, cluster) || md.get(NODE) == null) {
            return Optional.empty();
        }
        Instant created = null;
        try {
            created = md.get(CREATED) == null ? null : Instant.parse(md.get(CREATED));
        } catch (java.time.format.DateTimeParseException e) {
            // written by nkd; a hand-edited value only loses the creation time
        }
        return Optional.of(new ProvisionedMachine(cluster, md.get(POOL), md.get(NODE), state, md.get(REVISION), null,
                message, md.get(CONFIG_VERSION), new MachineSpec(md.get(SIZE), md.get(IMAGE), md.get(MAC), md.get(IP)),
                created, address));
    }
}
