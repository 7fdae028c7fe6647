package io.nkd.plan;

import static io.nkd.plan.PlanAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class IgnitionReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String review(String json) throws Exception {
        return String.join("\n", IgnitionReview.lines((ObjectNode) JSON.readTree(json))) + "\n";
    }

    private static String file(String path, String source, String compression) {
        return "{\"storage\":{\"files\":[{\"path\":\"" + path + "\",\"mode\":420,\"contents\":{\"compression\":\"" + compression
                + "\",\"source\":\"" + source + "\"}}]}}";
    }

    @Test
    void percentEncodedContentsAreShownAsText() throws Exception {
        String out = review(file("/etc/motd", "data:,hello%20world%0Asecond%20line%0A", ""));
        assertEquals("""
                {
                  "storage": {
                    "files": [
                      {
                        "path": "/etc/motd"
                        "mode": 420 (0644)
                        "contents": {
                          "source": <data URL, decoded>
                            | hello world
                            | second line
                        }
                      }
                    ]
                  }
                }
                """, out);
    }

    @Test
    void gzipAndBase64AreUndoneSoTheCompressionChoiceIsNoNoise() throws Exception {
        String text = "[plugins]\n  sandbox_image = \"registry.k8s.io/pause:3.10\"\n";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String gzipped = review(file("/etc/x.toml", "data:;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray()), "gzip"));
        String plain = review(file("/etc/x.toml", "data:text/plain;charset=utf-8;base64,"
                + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)), ""));
        assertContains(gzipped, "| [plugins]\n");
        assertContains(gzipped, "|   sandbox_image = \"registry.k8s.io/pause:3.10\"\n");
        assertFalse(gzipped.contains("compression"), gzipped);
        assertEquals(plain, gzipped, "how butane chose to encode a file must not show up in a diff");
    }

    @Test
    void binaryContentsAreShownBySizeAndDigest() throws Exception {
        byte[] binary = {0, 1, 2, (byte) 0xff, 0x7f};
        String out = review(file("/opt/blob", "data:;base64," + Base64.getEncoder().encodeToString(binary), ""));
        assertContains(out, "\"source\": <data URL, binary: 5 bytes, sha256 " + Redactor.sha256(binary) + ">");
    }

    @Test
    void textWithoutAFinalNewlineSaysSo() throws Exception {
        assertContains(review(file("/etc/a", "data:,no%20newline", "")), "| no newline\n            \\ (no newline at end)\n");
    }

    @Test
    void undecodableDataUrlsAreReportedNotThrown() throws Exception {
        assertContains(review(file("/etc/a", "data:;base64,%%%", "")), "<undecodable data URL");
        assertContains(review(file("/etc/a", "data:;base64,aGVsbG8=", "gzip")), "<gzip data that does not decompress");
    }

    @Test
    void multiLineStringsSuchAsUnitContentsAreBlocksAndOtherURLsStayAsTheyAre() throws Exception {
        String out = review("{\"systemd\":{\"units\":[{\"name\":\"a.service\",\"enabled\":true,"
                + "\"contents\":\"[Service]\\nExecStart=/bin/true\\n\"}]},"
                + "\"ignition\":{\"config\":{\"merge\":[{\"source\":\"https://example.com/x.ign\"}]}}}");
        assertContains(out, "\"name\": \"a.service\"\n        \"enabled\": true\n        \"contents\": <text>\n"
                + "          | [Service]\n          | ExecStart=/bin/true\n");
        assertContains(out, "\"source\": \"https://example.com/x.ign\"");
    }

    @Test
    void realPasswordHashesAreRedactedAndPlaceholdersKept() throws Exception {
        String out = review("{\"passwd\":{\"users\":[{\"name\":\"core\",\"passwordHash\":\"$6$salt$abcdefghijklmnopqrstuvwxyz012345\"},"
                + "{\"name\":\"ops\",\"passwordHash\":\"<nkd-secret:password-hash:ops>\"}]}}");
        assertFalse(out.contains("$6$salt"), out);
        assertContains(out, "\"passwordHash\": \"<redacted: password hash>\"");
        assertContains(out, "\"passwordHash\": \"<nkd-secret:password-hash:ops>\"");
    }
}
