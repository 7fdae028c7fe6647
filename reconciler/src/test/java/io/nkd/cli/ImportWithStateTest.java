package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String cp = Files.readString(tmp.resolve("out/lab/pools/control-plane.ign"));
        String caPem = Files.readString(pki.resolve("ca.crt"));
        String firstLine = caPem.lines().skip(1).findFirst().orElseThrow();
        String encodedLine = java.net.URLEncoder.encode(firstLine, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        assertTrue(Files.readString(state.resolve("clusters/lab/kubernetes/pki/ca.crt")).equals(caPem),
                "generation kept the imported CA");
        assertTrue(cp.contains(firstLine) || cp.contains(encodedLine) || cp.contains("base64"),
                "the control-plane config carries a CA");
        CliRun again = CliRun.run("", "import", "nkd-config", input.toString(), "--out", tmp.resolve("repo2").toString(),
                "--state-dir", state.toString());
        assertEquals(1, again.exit(), "re-importing CAs over a generated PKI is refused");
        assertTrue(again.err().contains("already has a PKI"), again.err());
    }
}
