package io.nkd.butane;

import java.nio.charset.StandardCharsets;

/** systemd's path escaping for unit names ({@code systemd-escape --path}). */
final class SystemdEscape {
    private SystemdEscape() {
    }

    static String path(String path) {
        StringBuilder collapsed = new StringBuilder();
        boolean inSlashes = false;
        String trimmed = path.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            return "-";
        }
        byte[] bytes = trimmed.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            if (c == '/') {
                inSlashes = true;
                continue;
            }
            if (inSlashes) {
                collapsed.append('-');
                inSlashes = false;
            }
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == ':' || c == '_' || (c == '.' && collapsed.length() > 0);
            if (valid) {
                collapsed.append((char) c);
            } else {
                collapsed.append("\\x").append(Integer.toHexString(c));
            }
        }
        return collapsed.toString();
    }
}
