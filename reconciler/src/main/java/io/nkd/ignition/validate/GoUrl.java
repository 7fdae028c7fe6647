package io.nkd.ignition.validate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a URL as Go's {@code net/url.Parse} splits them. Ignition decides "unable to parse url"
 * by whether {@code url.Parse} fails, and Java's {@code URI} is far stricter (it rejects spaces, for
 * one), so the Go rules are reproduced: control characters, a scheme that starts with ':', bad
 * percent-escapes, bad ports and bad host or userinfo characters are parse errors; anything else parses.
 */
record GoUrl(String scheme, String opaque, String rawQuery) {

    /** The URL's parts, or empty when {@code url.Parse} would return an error. */
    static Optional<GoUrl> parse(String raw) {
        String rest = raw;
        int hash = rest.indexOf('#');
        String fragment = null;
        if (hash >= 0) {
            fragment = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
        }
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.empty();
            }
        }
        if (rest.equals("*")) {
            return Optional.of(new GoUrl("", "", ""));
        }
        String scheme = "";
        int schemeEnd = schemeEnd(rest);
        if (schemeEnd == 0) {
            return Optional.empty(); // "missing protocol scheme"
        }
        if (schemeEnd > 0) {
            scheme = rest.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
            rest = rest.substring(schemeEnd + 1);
        }
        String rawQuery = "";
        if (rest.endsWith("?") && rest.indexOf('?') == rest.length() - 1) {
            rest = rest.substring(0, rest.length() - 1);
        } else {
            int q = rest.indexOf('?');
            if (q >= 0) {
                rawQuery = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
        }
        if (fragment != null && !validEscapes(fragment)) {
            return Optional.empty();
        }
        if (!rest.startsWith("/")) {
            if (!scheme.isEmpty()) {
                return Optional.of(new GoUrl(scheme, rest, rawQuery)); // rootless: opaque
            }
            int slash = rest.indexOf('/');
            String segment = slash >= 0 ? rest.substring(0, slash) : rest;
            if (segment.contains(":")) {
                return Optional.empty(); // "first path segment in URL cannot contain colon"
            }
        }
        if ((!scheme.isEmpty() || !rest.startsWith("///")) && rest.startsWith("//")) {
            String authority = rest.substring(2);
            int slash = authority.indexOf('/');
            if (slash >= 0) {
                rest = authority.substring(slash);
                authority = authority.substring(0, slash);
            } else {
                rest = "";
            }
            if (!validAuthority(authority)) {
                return Optional.empty();
            }
        }
        if (!validEscapes(rest)) {
            return Optional.empty();
        }
        return Optional.of(new GoUrl(scheme, "", rawQuery));
    }

    /** Go's {@code url.Values} of the raw query ({@code URL.Query()}, which drops malformed pairs). */
    Map<String, List<String>> query() {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty() || pair.contains(";")) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq >= 0 ? pair.substring(0, eq) : pair;
            String value = eq >= 0 ? pair.substring(eq + 1) : "";
            Optional<String> k = queryUnescape(key);
            Optional<String> v = queryUnescape(value);
            if (k.isPresent() && v.isPresent()) {
                values.computeIfAbsent(k.get(), x -> new ArrayList<>()).add(v.get());
            }
        }
        return values;
    }

    /** Index of the ':' ending a valid scheme, -1 if there is none, 0 for a leading ':' (an error). */
    private static int schemeEnd(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                continue;
            }
            if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
                if (i == 0) {
                    return -1;
                }
                continue;
            }
            if (c == ':') {
                return i;
            }
            return -1;
        }
        return -1;
    }

    private static boolean validAuthority(String authority) {
        int at = authority.lastIndexOf('@');
        String host = at < 0 ? authority : authority.substring(at + 1);
        if (!validHost(host)) {
            return false;
        }
        if (at >= 0) {
            String userinfo = authority.substring(0, at);
            for (int i = 0; i < userinfo.length(); i++) {
                char c = userinfo.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || "-._:~!$&'()*+,;=%@".indexOf(c) >= 0;
                if (!ok) {
                    return false;
                }
            }
            return validEscapes(userinfo);
        }
        return true;
    }

    private static boolean validHost(String host) {
        String checked = host;
        if (host.startsWith("[")) {
            int close = host.lastIndexOf(']');
            if (close < 0 || !validOptionalPort(host.substring(close + 1))) {
                return false;
            }
            // an IPv6 zone may be written with "%25"; the bracketed part is checked as a zone
            checked = host.substring(0, 1) + host.substring(close);
            if (!validEscapes(host.substring(1, close))) {
                return false;
            }
        } else {
            int colon = host.lastIndexOf(':');
            if (colon >= 0 && !validOptionalPort(host.substring(colon))) {
                return false;
            }
        }
        for (int i = 0; i < checked.length(); i++) {
            char c = checked.charAt(i);
            if (c == '%') {
                if (i + 2 >= checked.length() || !isHex(checked.charAt(i + 1)) || !isHex(checked.charAt(i + 2))) {
                    return false;
                }
                // in a host, escapes may only encode non-ASCII bytes (or be %25)
                if (Character.digit(checked.charAt(i + 1), 16) < 8 && !checked.startsWith("%25", i)) {
                    return false;
                }
                i += 2;
            } else if (c < 0x80 && !hostChar(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean hostChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-_.~!$&'()*+,;=:[]<>\"".indexOf(c) >= 0;
    }

    private static boolean validOptionalPort(String port) {
        if (port.isEmpty()) {
            return true;
        }
        if (port.charAt(0) != ':') {
            return false;
        }
        for (int i = 1; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean validEscapes(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '%') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            }
        }
        return true;
    }

    private static Optional<String> queryUnescape(String s) {
        if (!validEscapes(s)) {
            return Optional.empty();
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                out.write(Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16));
                i += 2;
            } else if (b == '+') {
                out.write(' ');
            } else {
                out.write(b);
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
