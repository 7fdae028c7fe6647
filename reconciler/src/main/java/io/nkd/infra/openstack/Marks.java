package io.nkd.infra.openstack;

import io.nkd.infra.MachineMetadata;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * nkd's marker ({@link MachineMetadata}) as each OpenStack service can hold it.
 * <ul>
 *   <li>Nova server metadata: keys may hold only letters, digits and {@code -_:. } (Nova's schema), so
 *       {@code nkd.io/cluster} is written {@code nkd.io:cluster}; read back, the keys are nkd's again.</li>
 *   <li>Neutron ports, security groups and floating IPs: their {@code description}, as
 *       {@code nkd.io/managed=true nkd.io/cluster=prod nkd.io/node=prod-worker-1} (values are DNS labels: no spaces).</li>
 * </ul>
 * Nova server groups have no metadata: nkd's is the one named {@link #serverGroup(String)}.
 */
final class Marks {
    private Marks() {
    }

    static Map<String, String> toNova(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        metadata.forEach((k, v) -> out.put(k.replace('/', ':'), v == null ? "" : v));
        return out;
    }

    static Map<String, String> fromNova(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata != null) {
            metadata.forEach((k, v) -> out.put(k.startsWith("nkd.io:") ? MachineMetadata.PREFIX + k.substring("nkd.io:".length()) : k, v));
        }
        return out;
    }

    /** The description of a Neutron object nkd creates for a cluster, or for one node of it (node may be null). */
    static String description(String cluster, String node) {
        Map<String, String> m = MachineMetadata.ofCluster(cluster);
        if (node != null) {
            m.put(MachineMetadata.NODE, node);
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    /** The marker read back from a Neutron description; empty for descriptions nkd did not write. */
    static Map<String, String> parse(String description) {
        Map<String, String> m = new LinkedHashMap<>();
        if (description == null) {
            return m;
        }
        for (String word : description.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0 && word.startsWith(MachineMetadata.PREFIX)) {
                m.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return m;
    }

    /** Whether a Neutron description marks the object as nkd's for this cluster. */
    static boolean owns(String description, String cluster) {
        return MachineMetadata.owns(parse(description), cluster);
    }

    /** The node a Neutron description names, or null. */
    static String node(String description) {
        return parse(description).get(MachineMetadata.NODE);
    }

    /** The name of the cluster's security group. */
    static String securityGroup(String cluster) {
        return "nkd-" + cluster;
    }

    /** The name of the cluster's control-plane server group. */
    static String serverGroup(String cluster) {
        return "nkd-" + cluster + "-control-plane";
    }
}
