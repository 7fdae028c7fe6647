package io.nkd.ignition.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.ConformanceData;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import org.junit.jupiter.params.provider.Arguments;

import java.util.Set;
import java.util.TreeSet;

/** Helpers for the rule tables: configs written with single quotes, findings as "E Code $.path". */
final class ValidationTable {
    private ValidationTable() {
    }

    /** A table row: name, spec version, config (single-quoted JSON), expected findings. */
    static Arguments row(String name, IgnitionVersion version, String config, String... expected) {
        return Arguments.of(name, version, config, Set.of(expected));
    }

    static Arguments row(String name, String config, String... expected) {
        return row(name, IgnitionVersion.V3_4_0, config, expected);
    }

    /** The config with {@code ignition.version} filled in when the row does not give an ignition section. */
    static JsonNode config(IgnitionVersion version, String singleQuoted) {
        try {
            JsonNode node = ConformanceData.JSON.readTree(singleQuoted.replace('\'', '"'));
            if (node.isObject() && !node.has("ignition")) {
                ((ObjectNode) node).putObject("ignition").put("version", version.text());
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad test JSON: " + singleQuoted, e);
        }
    }

    static Set<String> findings(Report report) {
        Set<String> out = new TreeSet<>();
        for (Entry e : report.entries()) {
            out.add((e.severity() == Severity.ERROR ? "E " : "W ") + e.code() + " " + e.path());
        }
        return out;
    }
}
