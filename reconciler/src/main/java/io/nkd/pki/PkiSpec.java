package io.nkd.pki;

import io.nkd.config.Cidr;
import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a cluster's PKI depends on: the inputs of kubeadm's {@code certs} and {@code kubeconfig} phases.
 *
 * @param clusterName   kubeadm's {@code clusterName}: the cluster's name inside the kubeconfigs
 * @param endpoint      the control-plane endpoint (load balancer, VIP or the first node); its host is an API
 *                      server SAN and the kubeconfigs' server is {@code https://host:port}
 * @param nodeName      the first control-plane node's name (kubeadm's {@code nodeRegistration.name}): a SAN of
 *                      the API server and etcd certificates and the etcd certificates' common name
 * @param nodeIp        that node's IP (kubeadm's {@code localAPIEndpoint.advertiseAddress})
 * @param serviceSubnet the service CIDR, or kubeadm's dual-stack form {@code 10.96.0.0/12,fd00:10:96::/112};
 *                      the API server gets the first usable address of the first (primary) one, as kubeadm does
 * @param dnsDomain     the cluster DNS domain (default {@code cluster.local})
 * @param extraSans     extra API server SANs, DNS names and IPs told apart by parsing (kubeadm's {@code certSANs})
 * @param keyAlgorithm  the key type of every certificate nkd generates (default ECDSA P-256)
 * @param caValidity    how long generated CAs are valid (default 10 years, kubeadm's)
 * @param leafValidity  how long the other certificates are valid (default 1 year, kubeadm's)
 */
public record PkiSpec(String clusterName, Endpoint endpoint, String nodeName, String nodeIp, String serviceSubnet,
        String dnsDomain, List<String> extraSans, KeyAlgorithm keyAlgorithm, Duration caValidity, Duration leafValidity) {

    public static final String DEFAULT_DNS_DOMAIN = "cluster.local";
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    public static final Duration DEFAULT_LEAF_VALIDITY = Duration.ofDays(365);

    public PkiSpec {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(nodeIp, "nodeIp");
        Objects.requireNonNull(serviceSubnet, "serviceSubnet");
        dnsDomain = dnsDomain == null ? DEFAULT_DNS_DOMAIN : dnsDomain;
        extraSans = extraSans == null ? List.of() : List.copyOf(extraSans);
        keyAlgorithm = keyAlgorithm == null ? KeyAlgorithm.ECDSA_P256 : keyAlgorithm;
        caValidity = caValidity == null ? DEFAULT_CA_VALIDITY : caValidity;
        leafValidity = leafValidity == null ? DEFAULT_LEAF_VALIDITY : leafValidity;

        if (!isPlainDnsName(clusterName)) {
            throw new IllegalArgumentException("cluster name \"" + clusterName + "\" must be a lowercase RFC 1123 name");
        }
        if (!isPlainDnsName(nodeName)) {
            throw new IllegalArgumentException("node name \"" + nodeName
                    + "\" must be a lowercase RFC 1123 name, as Kubernetes node names are");
        }
        if (!Cidr.isAddress(nodeIp)) {
            throw new IllegalArgumentException("node IP \"" + nodeIp + "\" is not an IP address");
        }
        if (!isPlainDnsName(dnsDomain)) {
            throw new IllegalArgumentException("DNS domain \"" + dnsDomain + "\" is not a lowercase RFC 1123 name");
        }
        firstServiceIp(serviceSubnet);
        AltNames.parse(extraSans);
        if (caValidity.isNegative() || caValidity.isZero() || leafValidity.isNegative() || leafValidity.isZero()) {
            throw new IllegalArgumentException("certificate validity periods must be positive");
        }
    }

    /** A spec with every default: ECDSA P-256, cluster.local, no extra SANs, 10-year CAs and 1-year leaves. */
    public static PkiSpec of(String clusterName, Endpoint endpoint, String nodeName, String nodeIp, String serviceSubnet) {
        return new PkiSpec(clusterName, endpoint, nodeName, nodeIp, serviceSubnet, null, null, null, null, null);
    }

    public PkiSpec withKeyAlgorithm(KeyAlgorithm algorithm) {
        return new PkiSpec(clusterName, endpoint, nodeName, nodeIp, serviceSubnet, dnsDomain, extraSans, algorithm,
                caValidity, leafValidity);
    }

    public PkiSpec withExtraSans(List<String> sans) {
        return new PkiSpec(clusterName, endpoint, nodeName, nodeIp, serviceSubnet, dnsDomain, sans, keyAlgorithm, caValidity, leafValidity);
    }

    public PkiSpec withDnsDomain(String domain) {
        return new PkiSpec(clusterName, endpoint, nodeName, nodeIp, serviceSubnet, domain, extraSans, keyAlgorithm,
                caValidity, leafValidity);
    }

    public PkiSpec withValidity(Duration ca, Duration leaf) {
        return new PkiSpec(clusterName, endpoint, nodeName, nodeIp, serviceSubnet, dnsDomain, extraSans, keyAlgorithm, ca, leaf);
    }

    public InetAddress nodeAddress() {
        return Cidr.parseAddress(nodeIp);
    }

    /** The {@code kubernetes} service's ClusterIP: the first usable address of the primary service subnet. */
    public InetAddress apiServerServiceIp() {
        return firstServiceIp(serviceSubnet);
    }

    public AltNames extraAltNames() {
        return AltNames.parse(extraSans);
    }

    /** The kubeconfigs' server URL, IPv6 hosts in brackets. */
    public String serverUrl() {
        return "https://" + endpoint;
    }

    private static InetAddress firstServiceIp(String subnets) {
        String[] parts = subnets.split(",", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("service subnet \"" + subnets + "\" has more than two CIDRs (one per IP family)");
        }
        Cidr primary = null;
        for (String part : parts) {
            Cidr c;
            try {
                c = Cidr.parse(part.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("service subnet: " + e.getMessage(), e);
            }
            if (c.prefix() >= c.network().getAddress().length * 8) {
                throw new IllegalArgumentException("service subnet " + c + " has no room for the API server's service IP");
            }
            if (primary != null && primary.isIpv4() == c.isIpv4()) {
                throw new IllegalArgumentException("service subnet \"" + subnets + "\" has two CIDRs of one IP family");
            }
            primary = primary == null ? c : primary;
        }
        return primary.address(1);
    }

    private static boolean isPlainDnsName(String s) {
        return !s.startsWith("*") && s.equals(s.toLowerCase(java.util.Locale.ROOT)) && AltNames.isDnsName(s);
    }
}
