package io.nkd.config;

/** The control-plane endpoint: a DNS name or IP, and a port. */
public record Endpoint(String host, int port) {
    private static final String DNS_NAME = "(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*";

    public static Endpoint parse(String text) {
        String host = text;
        int port = 6443;
        if (text.startsWith("[")) { // [v6]:port
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("\"" + text + "\" has an unclosed [");
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                port = port(rest.startsWith(":") ? rest.substring(1) : rest, text);
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1), text);
        }
        if (!Cidr.isAddress(host) && !host.toLowerCase(java.util.Locale.ROOT).matches(DNS_NAME)) {
            throw new IllegalArgumentException("\"" + text + "\" is not host[:port] with a DNS name or IP address");
        }
        return new Endpoint(host, port);
    }

    private static int port(String text, String whole) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("\"" + whole + "\" has an invalid port; use 1 to 65535");
    }

    public boolean isIp() {
        return Cidr.isAddress(host);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
