package io.nkd.housekeeper.agent.host;

import io.nkd.housekeeper.api.CertificateExpiry;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text table of {@code kubeadm certs check-expiration}: a first table headed {@code CERTIFICATE  EXPIRES
 * RESIDUAL TIME ...} with one row per leaf and kubeconfig ({@code apiserver   Mar 15, 2023 01:58 UTC   362d   ca
 * no}; the authority column is empty for kubeconfigs on older kubeadm), then, after a blank line, the CAs' table, which
 * is not read (nkd's CAs are nkd's, and the agent renews no CA).
 */
public final class KubeadmExpiration {
    private static final Pattern ROW = Pattern.compile(
            "^(\\S+)\\s+([A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{2}:\\d{2}) UTC\\b.*$");
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("MMM d, yyyy HH:mm", Locale.ENGLISH);

    private KubeadmExpiration() {
    }

    /** @throws IllegalArgumentException when there is no such table, or a row's date cannot be read */
    public static List<CertificateExpiry> parse(String output) {
        List<CertificateExpiry> out = new ArrayList<>();
        boolean inTable = false;
        for (String raw : output.split("\n")) {
            String line = raw.strip();
            if (!inTable) {
                inTable = line.startsWith("CERTIFICATE ") && line.contains("EXPIRES")
                        && !line.startsWith("CERTIFICATE AUTHORITY");
                continue;
            }
            if (line.isEmpty() || line.startsWith("CERTIFICATE AUTHORITY")) {
                break;
            }
            Matcher m = ROW.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("cannot read the row '" + OutputTail.of(line) + "' of kubeadm's "
                        + "expiration table");
            }
            try {
                String at = LocalDateTime.parse(m.group(2), WHEN).toInstant(ZoneOffset.UTC).toString();
                out.add(new CertificateExpiry(m.group(1), at));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("cannot read the date '" + m.group(2) + "' of certificate "
                        + m.group(1) + " in kubeadm's expiration table", e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no certificate table (CERTIFICATE  EXPIRES ...) in its output");
        }
        return out;
    }
}
