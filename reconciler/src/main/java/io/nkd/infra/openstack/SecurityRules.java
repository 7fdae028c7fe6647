package io.nkd.infra.openstack;

import io.nkd.config.Infrastructure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ingress rules of a cluster's security group, computed from cluster.yaml alone (pure). Egress stays as Neutron
 * creates it (everything allowed): nodes fetch their configs from nkd and images from registries.
 * <ul>
 *   <li>Between the cluster's nodes (remote group: the group itself), every protocol and port, IPv4 and IPv6: etcd
 *       (2379-2380), the kubelet (10250), the API server (6443) and whatever the CNI plugin uses (VXLAN, BGP, IP-in-IP,
 *       WireGuard) without nkd knowing the plugin.</li>
 *   <li>From each of allowedCIDRs: the Kubernetes API (6443/tcp) and SSH (22/tcp); the NodePort range
 *       (30000-32767, tcp and udp) only with openNodePorts. No other source: an empty list reaches nothing from
 *       outside, and 0.0.0.0/0 appears only when cluster.yaml lists it.</li>
 * </ul>
 */
final class SecurityRules {
    static final int API = 6443;
    static final int SSH = 22;
    static final int NODE_PORTS_MIN = 30000;
    static final int NODE_PORTS_MAX = 32767;

    /**
     * One ingress rule. {@code protocol} null means every protocol; {@code self} means "from the group's own members";
     * otherwise {@code cidr} is the source.
     */
    record Rule(String ethertype, String protocol, Integer min, Integer max, String cidr, boolean self) {
        /** The Neutron request body's fields for this rule in the given group. */
        Map<String, Object> neutron(String groupId) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("security_group_id", groupId);
            m.put("direction", "ingress");
            m.put("ethertype", ethertype);
            if (protocol != null) {
                m.put("protocol", protocol);
            }
            if (min != null) {
                m.put("port_range_min", min);
                m.put("port_range_max", max);
            }
            if (self) {
                m.put("remote_group_id", groupId);
            } else {
                m.put("remote_ip_prefix", cidr);
            }
            m.put("description", "nkd");
            return m;
        }

        String describe() {
            return (protocol == null ? "any" : protocol) + (min == null ? "" : " " + min + (max.equals(min) ? "" : "-" + max))
                    + " from " + (self ? "the cluster's nodes" : cidr) + " (" + ethertype + ")";
        }
    }

    private SecurityRules() {
    }

    static List<Rule> desired(Infrastructure.OpenStack os) {
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule("IPv4", null, null, null, null, true));
        rules.add(new Rule("IPv6", null, null, null, null, true));
        for (String cidr : os.allowedCIDRs()) {
            String ether = cidr.contains(":") ? "IPv6" : "IPv4";
            rules.add(new Rule(ether, "tcp", API, API, cidr, false));
            rules.add(new Rule(ether, "tcp", SSH, SSH, cidr, false));
            if (Boolean.TRUE.equals(os.openNodePorts())) {
                rules.add(new Rule(ether, "tcp", NODE_PORTS_MIN, NODE_PORTS_MAX, cidr, false));
                rules.add(new Rule(ether, "udp", NODE_PORTS_MIN, NODE_PORTS_MAX, cidr, false));
            }
        }
        return rules;
    }

    /** A rule as Neutron lists it, in the same shape (for comparison); null for egress rules. */
    static Rule of(com.fasterxml.jackson.databind.JsonNode r, String groupId) {
        if (!"ingress".equals(r.path("direction").asText())) {
            return null;
        }
        String protocol = r.path("protocol").isNull() || r.path("protocol").isMissingNode() ? null : r.path("protocol").asText();
        Integer min = r.path("port_range_min").isNumber() ? r.path("port_range_min").asInt() : null;
        Integer max = r.path("port_range_max").isNumber() ? r.path("port_range_max").asInt() : null;
        String remoteGroup = r.path("remote_group_id").isTextual() ? r.path("remote_group_id").asText() : null;
        String cidr = r.path("remote_ip_prefix").isTextual() ? r.path("remote_ip_prefix").asText() : null;
        boolean self = groupId.equals(remoteGroup);
        return new Rule(r.path("ethertype").asText(), protocol, min, max, self ? null : cidr, self);
    }
}
