package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.json.JsonOutput;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.report.Report;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class IgnitionContentTest {

    /** A cluster "lab" with pool "workers" at {@code rendered-workers-<v>} and node "w-1" at {@code rendered-w-1-<v>}. */
    private static RenderedCluster rendering(String v, String secret) {
        ObjectNode pool = config("pool " + v + " " + secret);
        ObjectNode node = config("node " + v);
        return new RenderedCluster("lab", List.of(new RenderedConfig("workers", "rendered-workers-" + v, pool)),
                List.of(new RenderedConfig("w-1", "rendered-w-1-" + v, node)), new Report());
    }

    private static ObjectNode config(String marker) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putObject("ignition").put("version", "3.3.0");
        c.put("marker", marker);
        return c;
    }

    @Test
    void servesTheBytesNkdRenderWritesWithTheirSha512() throws Exception {
        IgnitionContent content = new IgnitionContent();
        RenderedCluster r = rendering("1", "s");
        content.put("lab", r);
        ServedConfig pool = content.get("lab", ConfigKind.POOL, "rendered-workers-1").orElseThrow();
        byte[] expected = (JsonOutput.write(r.pools().get(0).config(), true) + "\n").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, pool.content());
        assertEquals("sha512-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(expected)), pool.sha512());
        assertEquals(pool, content.current("lab", ConfigKind.POOL, "workers").orElseThrow());
        assertTrue(content.get("lab", ConfigKind.NODE, "rendered-workers-1").isEmpty(), "kinds are separate");
        assertTrue(content.get("other", ConfigKind.POOL, "rendered-workers-1").isEmpty(), "clusters are separate");
    }

    @Test
    void keepsTheLastDistinctRenderingsOnly() {
        IgnitionContent content = new IgnitionContent(3);
        for (int i = 1; i <= 5; i++) {
            content.put("lab", rendering(Integer.toString(i), "s"));
        }
        assertEquals(List.of("rendered-workers-3", "rendered-workers-4", "rendered-workers-5"), content.versions("lab", ConfigKind.POOL));
        assertEquals(List.of("rendered-w-1-3", "rendered-w-1-4", "rendered-w-1-5"), content.versions("lab", ConfigKind.NODE));
        assertEquals("rendered-workers-5", content.current("lab", ConfigKind.POOL, "workers").orElseThrow().version());
    }

    @Test
    void puttingTheSameVersionsAgainKeepsTheHistory() {
        IgnitionContent content = new IgnitionContent(2);
        content.put("lab", rendering("1", "s"));
        content.put("lab", rendering("2", "s"));
        for (int i = 0; i < 10; i++) {
            content.put("lab", rendering("2", "s")); // a daemon re-rendering the same revision
        }
        assertEquals(List.of("rendered-workers-1", "rendered-workers-2"), content.versions("lab", ConfigKind.POOL));
    }

    @Test
    void aRotatedSecretReplacesTheBytesOfTheSameVersion() {
        IgnitionContent content = new IgnitionContent();
        content.put("lab", rendering("1", "old-secret"));
        content.put("lab", rendering("1", "new-secret"));
        String served = new String(content.get("lab", ConfigKind.POOL, "rendered-workers-1").orElseThrow().content(), StandardCharsets.UTF_8);
        assertTrue(served.contains("new-secret"), served);
    }

    @Test
    void refusesFailedRenderingsAndOtherClusters() {
        IgnitionContent content = new IgnitionContent();
        Report failed = new Report().error("X", null, "broken");
        assertThrows(IllegalArgumentException.class, () -> content.put("lab", new RenderedCluster("lab", List.of(), List.of(), failed)));
        assertThrows(IllegalArgumentException.class, () -> content.put("other", rendering("1", "s")));
        assertThrows(IllegalArgumentException.class, () -> new IgnitionContent(0));
    }

    @Test
    void removedClustersAreNoLongerServed() {
        IgnitionContent content = new IgnitionContent();
        content.put("lab", rendering("1", "s"));
        content.remove("lab");
        assertTrue(content.get("lab", ConfigKind.POOL, "rendered-workers-1").isEmpty());
    }

    @Test
    void toStringNeverShowsTheContent() {
        IgnitionContent content = new IgnitionContent();
        content.put("lab", rendering("1", "bootstrap-secret"));
        ServedConfig c = content.get("lab", ConfigKind.POOL, "rendered-workers-1").orElseThrow();
        assertFalse(c.toString().contains("bootstrap-secret"), c.toString());
        byte[] copy = c.content();
        copy[0] = 'X';
        assertEquals('{', c.content()[0], "content() hands out a copy");
    }
}
