package io.nkd.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation. */
public record Cidr(InetAddress network, int prefix) {

    /** Parses {@code 10.96.0.0/12}; rejects host bits set, bad prefixes and anything that is not an address. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not a CIDR; write it like 10.96.0.0/12");
        }
        InetAddress address = parseAddress(text.substring(0, slash));
        int bits = address.getAddress().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix length of \"" + text + "\" must be 0 to " + bits);
        }
        Cidr c = new Cidr(address, prefix);
        if (!c.first().equals(toInteger(address))) {
            throw new IllegalArgumentException("\"" + text + "\" has host bits set; did you mean "
                    + fromInteger(c.first(), address.getAddress().length).getHostAddress() + "/" + prefix + "?");
        }
        return c;
    }

    /** A literal IPv4 or IPv6 address; never a DNS lookup. */
    public static InetAddress parseAddress(String text) {
        boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = text.contains(":") && text.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
        }
        if (v4) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
                }
            }
        }
        try {
            return InetAddress.getByName(text); // literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
        }
    }

    public static boolean isAddress(String text) {
        try {
            parseAddress(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public boolean isIpv4() {
        return network.getAddress().length == 4;
    }

    private BigInteger first() {
        int bits = network.getAddress().length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
        return toInteger(network).and(mask);
    }

    private BigInteger last() {
        int bits = network.getAddress().length * 8;
        return first().add(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
    }

    public boolean overlaps(Cidr other) {
        if (isIpv4() != other.isIpv4()) {
            return false;
        }
        return first().compareTo(other.last()) <= 0 && other.first().compareTo(last()) <= 0;
    }

    public boolean contains(InetAddress address) {
        if ((address.getAddress().length == 4) != isIpv4()) {
            return false;
        }
        BigInteger a = toInteger(address);
        return a.compareTo(first()) >= 0 && a.compareTo(last()) <= 0;
    }

    /** The n-th address of the network (1 → the first usable, which the API server's service IP uses). */
    public InetAddress address(long n) {
        return fromInteger(first().add(BigInteger.valueOf(n)), network.getAddress().length);
    }

    private static BigInteger toInteger(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }

    private static InetAddress fromInteger(BigInteger v, int length) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
