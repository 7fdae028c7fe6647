package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import io.nkd.yaml.WireEnum;
import java.util.List;

/** A set of identical nodes: the control plane, or a group of workers. */
@Doc("A node pool: replicas of one machine shape, or an explicit list of machines.")
public record NodePool(
        @Required @Doc(value = "Pool name (a DNS label); node names are <cluster>-<pool>-<n> unless listed.",
                example = "workers") String name,
        @Required @Doc("control-plane or worker.") Role role,
        @Doc("Number of nodes. With machines, defaults to their count and must equal it.") Integer replicas,
        @Doc("Explicit machines (bare metal, or static addresses).") List<ExplicitMachine> machines,
        @Doc("Machine size for providers that create machines.") MachineSize machine,
        @Doc("Static IPv4 addressing shared by the pool's machines (gateway, DNS, prefix).") StaticNetwork network,
        @Doc("Kubernetes labels for the pool's nodes.") java.util.Map<String, String> labels) {

    public NodePool {
        machines = machines == null ? List.of() : machines;
        replicas = replicas == null ? (machines.isEmpty() ? 1 : machines.size()) : replicas;
        labels = labels == null ? java.util.Map.of() : labels;
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative");
        }
    }

    public enum Role implements WireEnum {
        CONTROL_PLANE("control-plane"), WORKER("worker");

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }

    @Doc("One explicit machine.")
    public record ExplicitMachine(
            @Required @Doc(value = "Host name (a DNS label); also the Kubernetes node name.", example = "cp-1") String hostname,
            @Doc(value = "Static IPv4 address.", example = "10.0.0.11") String ip,
            @Doc(value = "MAC address of the boot interface (bare metal matches iPXE requests by it).",
                    example = "52:54:00:12:34:56") String mac,
            @Doc(value = "Address of the machine's BMC (IPMI or Redfish), for operators and their tools: nkd "
                    + "does not power machines on or off.", example = "10.0.1.11") String bmc) {
        /** A machine without a BMC address. */
        public ExplicitMachine(String hostname, String ip, String mac) {
            this(hostname, ip, mac, null);
        }
    }

    @Doc("Machine size.")
    public record MachineSize(
            @Doc("Virtual CPUs.") Integer cpus,
            @Doc("Memory in MiB.") Integer memoryMiB,
            @Doc("Root disk in GiB.") Integer diskGiB,
            @Doc("OpenStack flavor name (instead of cpus/memory).") String flavor) {
        public MachineSize {
            cpus = cpus == null ? 2 : cpus;
            memoryMiB = memoryMiB == null ? 4096 : memoryMiB;
            diskGiB = diskGiB == null ? 40 : diskGiB;
        }
    }

    @Doc("Static IPv4 network settings written as NetworkManager keyfiles.")
    public record StaticNetwork(
            @Doc(value = "Interface the static address is bound to when a machine lists no MAC (a listed MAC wins); "
                    + "without either, the address goes to the machine's ethernet interface, whatever it is called.",
                    example = "ens3") String interfaceName,
            @Required @Doc("Prefix length of the node addresses.") Integer prefixLength,
            @Required @Doc("Default gateway.") String gateway,
            @Doc("DNS servers.") List<String> dns) {
        public StaticNetwork {
            dns = dns == null ? List.of() : dns;
        }
    }
}
