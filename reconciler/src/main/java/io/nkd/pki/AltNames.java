package io.nkd.pki;

import io.nkd.config.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * Subject alternative names of one certificate: DNS names and IP addresses, each without duplicates and in
 * the order added (kubeadm drops duplicates too; keeping the order makes {@code openssl x509 -text} read
 * like the definition).
 */
public record AltNames(List<String> dnsNames, List<InetAddress> ipAddresses) {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
    private static final String DNS_NAME = "(?=.{1,253}$)" + LABEL + "(\\." + LABEL + ")*";
    private static final String WILDCARD = "(?=.{1,253}$)\\*(\\." + LABEL + ")+";

    public AltNames {
        dnsNames = List.copyOf(new LinkedHashSet<>(dnsNames));
        ipAddresses = List.copyOf(new LinkedHashSet<>(ipAddresses));
    }

    public static AltNames none() {
        return new AltNames(List.of(), List.of());
    }

    /**
     * Sorts names into IPs and DNS names the way kubeadm's {@code certSANs} does: a literal IP address is an
     * IP SAN, an RFC 1123 name (or a {@code *.} wildcard) is a DNS SAN. kubeadm only warns about anything
     * else and leaves it out; nkd rejects it, so a typo fails before a cluster is built with it.
     */
    public static AltNames parse(Collection<String> names) {
        List<String> dns = new ArrayList<>();
        List<InetAddress> ips = new ArrayList<>();
        for (String name : names) {
            String n = name == null ? "" : name.trim();
            if (Cidr.isAddress(n)) {
                ips.add(Cidr.parseAddress(n));
            } else if (isDnsName(n)) {
                dns.add(n.toLowerCase(Locale.ROOT));
            } else {
                throw new IllegalArgumentException(
                        "SAN \"" + name + "\" is neither an IP address nor a DNS name (RFC 1123, or *.example.com)");
            }
        }
        return new AltNames(dns, ips);
    }

    /** An RFC 1123 DNS name or a {@code *.}-wildcard one, in any letter case. */
    public static boolean isDnsName(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        return lower.matches(DNS_NAME) || lower.matches(WILDCARD);
    }

    /** These names followed by {@code other}'s, duplicates dropped. */
    public AltNames plus(AltNames other) {
        List<String> dns = new ArrayList<>(dnsNames);
        dns.addAll(other.dnsNames);
        List<InetAddress> ips = new ArrayList<>(ipAddresses);
        ips.addAll(other.ipAddresses);
        return new AltNames(dns, ips);
    }

    public boolean isEmpty() {
        return dnsNames.isEmpty() && ipAddresses.isEmpty();
    }

    /** The IPs as text (IPv6 in its full, uncompressed Java form: compare with {@link InetAddress}es instead). */
    public List<String> ipStrings() {
        return ipAddresses.stream().map(InetAddress::getHostAddress).toList();
    }
}
