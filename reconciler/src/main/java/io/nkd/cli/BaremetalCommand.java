package io.nkd.cli;

import io.nkd.config.ConfigLoader;
import io.nkd.config.Infrastructure;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.infra.baremetal.DnsmasqSnippet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd baremetal dnsmasq CLUSTER}: what a network needs to PXE-boot a bare-metal cluster into nkd. */
@Command(name = "baremetal",
        mixinStandardHelpOptions = true,
        description = "Help for bare-metal clusters: the network configuration that PXE-boots their machines into nkd.",
        subcommands = {BaremetalCommand.Dnsmasq.class})
final class BaremetalCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "dnsmasq", mixinStandardHelpOptions = true,
            description = {"Print a dnsmasq snippet for a bare-metal cluster: a DHCP reservation (MAC, address, host name) per "
                    + "machine, iPXE over TFTP for PXE firmware (undionly.kpxe for BIOS, ipxe.efi for UEFI), and nkd's chain "
                    + "script for iPXE. Reads only the config repository."},
            footer = {"", "Examples:",
                "  nkd baremetal dnsmasq lab --repo . > /etc/dnsmasq.d/nkd-lab.conf",
                "  nkd baremetal dnsmasq lab --rev main --ipxe-url http://10.0.0.2:8080 --tftp-root /srv/tftp"})
    static final class Dnsmasq implements Callable<Integer> {
        @Parameters(paramLabel = "CLUSTER", description = "The bare-metal cluster.")
        String cluster;

        @Mixin
        RepoOptions repo;

        @Option(names = "--ipxe-url", paramLabel = "URL",
                description = "Where machines reach nkd's iPXE listener (nkd serve --ipxe-listen), e.g. http://10.0.0.2:8080 "
                        + "(default: the cluster's infrastructure.baremetal.ipxeBaseURL).")
        String ipxeUrl;

        @Option(names = "--tftp-root", paramLabel = "DIR",
                description = "Let dnsmasq serve TFTP from DIR, which must hold undionly.kpxe and ipxe.efi.")
        String tftpRoot;

        @Option(names = "--tftp-server", paramLabel = "ADDRESS", description = "The IPv4 address of another TFTP server holding them.")
        String tftpServer;

        @Override
        public Integer call() {
            if (tftpRoot != null && tftpServer != null) {
                throw new UserException("give --tftp-root (dnsmasq serves TFTP) or --tftp-server (another server does), not both");
            }
            RepositoryConfig config = ConfigLoader.load(repo.snapshot());
            LoadedCluster c = config.cluster(cluster).orElseThrow(() -> new UserException("no cluster named " + cluster
                    + " in the repository (clusters: " + String.join(", ", config.clusters().stream().map(LoadedCluster::name).toList()) + ")"));
            if (!c.valid()) {
                c.report().entries().forEach(System.err::println);
                throw new UserException("cluster " + cluster + " is invalid; fix the problems above");
            }
            Infrastructure infra = c.spec().infrastructure();
            if (infra.provider() != Infrastructure.ProviderType.BAREMETAL) {
                throw new UserException("cluster " + cluster + " runs on " + infra.provider().wire() + ", not baremetal: only bare-metal"
                        + " machines PXE-boot from nkd");
            }
            String url = ipxeUrl != null ? ipxeUrl : infra.baremetal() == null ? null : infra.baremetal().ipxeBaseURL();
            if (url == null) {
                throw new UserException("the iPXE URL is unknown: give --ipxe-url http://HOST:PORT (the address of nkd serve "
                        + "--ipxe-listen as machines reach it), or set spec.infrastructure.baremetal.ipxeBaseURL in "
                        + "clusters/" + cluster + "/cluster.yaml");
            }
            DnsmasqSnippet snippet;
            try {
                snippet = new DnsmasqSnippet(cluster, config.revision(), c.spec(), url, tftpRoot, tftpServer);
            } catch (IllegalArgumentException e) {
                String flag = e.getMessage().startsWith("the iPXE") ? (ipxeUrl != null ? "--ipxe-url" : "ipxeBaseURL")
                        : e.getMessage().startsWith("the TFTP root") ? "--tftp-root" : "--tftp-server";
                throw new UserException(flag + ": " + e.getMessage());
            }
            System.out.print(snippet.text());
            System.out.flush();
            return 0;
        }
    }
}
