package io.nkd.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Generated YAML reads back as the strings and structure written (YAML 1.1 rules, as SnakeYAML applies them). */
class YamlTextTest {
    private static Object read(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "Yes", "off", "null", "~", "", "1.5", "010", "0x1F", "1e3", "12:30", "2024-01-01", ".inf",
        "a: b", "#x", "x #y", "- x", ":x", "x:", "a,b", "{a}", "[x]", "*x", "&x", "!x", "|x", ">x", "%x", "@x", "`x", "'x", "\"x",
        "line\nbreak", "tab\tx", " lead", "trail ", "v1.29.1", "192.168.1.1", "24.03.20241015", "10.96.0.0/12",
        "ssh-ed25519 AAAAC3Nz me@host", "qemu:///system", "registry.k8s.io/pause:3.10", "ü", "$6$salt$hash", "\u0001"})
    void scalarsReadBackUnchanged(String s) {
        Object back = ((Map<?, ?>) read("k: " + YamlText.scalar(s) + "\n")).get("k");
        assertEquals(s, back, () -> "written as " + YamlText.scalar(s));
    }

    @Test
    void plainWhereTheExampleIsPlain() {
        for (String s : List.of("v1.31.4", "192.168.122.10", "10.244.0.0/16", "qemu:///system", "nestos-24.03-k8s-1.30",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR lab@example")) {
            assertEquals(s, YamlText.scalar(s));
        }
    }

    @Test
    void nestedDocumentsReadBack() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("hostname", "a");
        machine.put("ip", "10.0.0.1");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("list", List.of(machine, Map.of("hostname", "b")));
        doc.put("flow", new YamlText.Flow(Map.of("cpus", 4)));
        doc.put("dns", new YamlText.Flow(List.of("10.0.0.1", "true")));
        doc.put("commented", new YamlText.Commented("why\nbecause", "x"));
        doc.put("quoted", new YamlText.Quoted("24.03"));
        doc.put("empty", List.of());
        String text = YamlText.document(List.of("header"), doc);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("list", List.of(Map.of("hostname", "a", "ip", "10.0.0.1"), Map.of("hostname", "b")));
        expected.put("flow", Map.of("cpus", 4));
        expected.put("dns", List.of("10.0.0.1", "true"));
        expected.put("commented", "x");
        expected.put("quoted", "24.03");
        expected.put("empty", List.of());
        assertEquals(expected, read(text), text);
    }
}
