package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.RepoPaths;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An NKD cluster with its own CAs, imported and rendered: the nodes get the user's CA, not a new one. */
class ImportWithStateTest {
    @TempDir
    Path tmp;

    @Test
    void importedCasAreWhatRenderedControlPlanesGet() throws Exception {
        // CAs made by nkd for another cluster stand in for the ones a user brings
        Path other = tmp.resolve("other-state");
        assertEquals(0, CliRun.run("", "render", "--repo", RepoPaths.repoRoot().resolve("repo-layout/example").toString(),
                "--out", tmp.resolve("ignored").toString(), "--state-dir", other.toString(), "--cluster", "sandbox-demo").exit());
        Path pki = other.resolve("clusters/sandbox-demo/kubernetes/pki");
        String fixture = Files.readString(RepoPaths.repoRoot().resolve("reconciler/src/test/resources/importer/libvirt-3m2w.yaml"));
        int own = fixture.indexOf("\ncertAsset:");
        String nkdConfig = (own < 0 ? fixture : fixture.substring(0, own + 1))
                + "certAsset:\n  rootCACertPath: " + pki.resolve("ca.crt") + "\n  rootCAKeyPath: " + pki.resolve("ca.key") + "\n";
        Path input = Files.writeString(tmp.resolve("cluster_config.yaml"), nkdConfig);

        Path repo = tmp.resolve("repo");
        io.nkd.testsupport.TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), repo.resolve("images"));
        Path state = tmp.resolve("state");
        CliRun imported = CliRun.run("", "import", "nkd-config", input.toString(), "--out", repo.toString(), "--state-dir", state.toString());
        assertEquals(0, imported.exit(), imported.out() + imported.err());
        assertTrue(Files.exists(state.resolve("clusters/lab/kubernetes/pki/ca.key")));

        // the import turned the inline password into a secret reference; the user provides it, as its to-do list says
        Files.createDirectories(state.resolve("secrets"));
        Files.writeString(state.resolve("secrets/lab-root-password"), "$6$salt$hash\n");
        CliRun render = CliRun.run("", "render", "--repo", repo.toString(), "--out", tmp.resolve("out").toString(),
                "--state-dir", state.toString());
        assertEquals(0, render.exit(), render.out() + render.err());
        String caPem = Files.readString(pki.resolve("ca.crt"));
        assertEquals(caPem, Files.readString(state.resolve("clusters/lab/kubernetes/pki/ca.crt")),
                "generation kept the imported CA");
        // the control-plane nodes are given exactly that CA certificate, byte for byte
        JsonNode cp = new ObjectMapper().readTree(tmp.resolve("out/lab/pools/control-plane.ign").toFile());
        List<String> paths = new ArrayList<>();
        JsonNode caFile = null;
        for (JsonNode f : cp.path("storage").path("files")) {
            paths.add(f.path("path").asText());
            if (f.path("path").asText().equals("/etc/kubernetes/pki/ca.crt")) {
                caFile = f;
            }
        }
        assertNotNull(caFile, "the control-plane config writes no /etc/kubernetes/pki/ca.crt; it writes " + paths);
        assertEquals(caPem, new String(contents(caFile), StandardCharsets.UTF_8), "the CA the control plane is given");
        CliRun again = CliRun.run("", "import", "nkd-config", input.toString(), "--out", tmp.resolve("repo2").toString(),
                "--state-dir", state.toString());
        assertEquals(1, again.exit(), "re-importing CAs over a generated PKI is refused");
        assertTrue(again.err().contains("already has a PKI"), again.err());
    }

    /** A file's contents from its data URL (gunzipped when the config says so). */
    private static byte[] contents(JsonNode file) throws java.io.IOException {
        JsonNode contents = file.path("contents");
        byte[] bytes = JsonCompare.decodeDataUrl(contents.path("source").asText());
        if ("gzip".equals(contents.path("compression").asText())) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                return in.readAllBytes();
            }
        }
        return bytes;
    }
}
