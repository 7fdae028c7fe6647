package io.nkd.housekeeper.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;

import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes the JSON of the Node annotations ({@link NodeAssignment}, {@link NodeReport}). Unknown fields are
 * ignored so that an older operator reads a newer agent's report and the other way round.
 */
public final class ContractJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ContractJson() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** The node's assignment; empty when absent. @throws ContractException when present but unreadable */
    public static Optional<NodeAssignment> assignment(Node node) {
        return read(node, NodeKeys.ASSIGNMENT_ANNOTATION, NodeAssignment.class);
    }

    /** The node's report; empty when absent (no agent yet). @throws ContractException when present but unreadable */
    public static Optional<NodeReport> report(Node node) {
        return read(node, NodeKeys.REPORT_ANNOTATION, NodeReport.class);
    }

    /** The node's certificate renewal assignment; empty when absent. @throws ContractException when unreadable */
    public static Optional<CertificateRenewalAssignment> certificateRenewal(Node node) {
        return read(node, NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, CertificateRenewalAssignment.class);
    }

    /** The node's certificate report; empty when absent. @throws ContractException when unreadable */
    public static Optional<CertificateRenewalReport> certificateReport(Node node) {
        return read(node, NodeKeys.CERTIFICATE_REPORT_ANNOTATION, CertificateRenewalReport.class);
    }

    private static <T> Optional<T> read(Node node, String key, Class<T> type) {
        Map<String, String> annotations = node.getMetadata().getAnnotations();
        String text = annotations == null ? null : annotations.get(key);
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        T value;
        try {
            value = MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw unreadable(node, key, type, e.getOriginalMessage(), e);
        }
        // JSON null, {} or an object without the fields every writer sets parse without error; read on, they would
        // fail far from here (a NullPointerException in the operator's plan stops the rollout of every node)
        String missing = value == null ? "JSON null" : missing(value);
        if (missing != null) {
            throw unreadable(node, key, type, missing, null);
        }
        return Optional.of(value);
    }

    /** What a parsed value lacks that its writer always sets, or null when complete. */
    private static String missing(Object value) {
        if (value instanceof NodeAssignment a) {
            if (a.update() == null || a.update().isBlank() || a.updateUid() == null || a.updateUid().isBlank()) {
                return "no update or updateUid";
            }
            if (a.attempt() < 1) {
                return "attempt must be at least 1";
            }
        } else if (value instanceof NodeReport r && r.state() == null) {
            return "no state";
        } else if (value instanceof CertificateRenewalAssignment c && (blank(c.update()) || blank(c.request()))) {
            return "no update or request";
        } else if (value instanceof CertificateRenewalReport c && (blank(c.request()) || c.state() == null)) {
            return "no request or state";
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static ContractException unreadable(Node node, String key, Class<?> type, String why, Throwable cause) {
        String reason = why == null ? "" : why.length() > 300 ? why.substring(0, 300) + "…" : why;
        return new ContractException("node " + node.getMetadata().getName() + ": annotation " + key
                + " is not a valid " + type.getSimpleName() + " (" + reason
                + "); remove the annotation and the agent/operator writes it anew", cause);
    }

    /** A Node annotation of the contract that cannot be read. */
    public static final class ContractException extends RuntimeException {
        public ContractException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
