package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nkd init, validate and render as users run them. */
class RepoCommandsTest {
    private static final String EXAMPLE = RepoPaths.repoRoot().resolve("repo-layout/example").toString();

    @TempDir
    Path tmp;

    @Test
    void initCreatesACommittedValidRepository() throws Exception {
        Path repo = tmp.resolve("clusters-repo");
        CliRun init = CliRun.run("", "init", "--cluster", "lab", repo.toString());
        assertEquals(0, init.exit(), init.err());
        assertTrue(Files.exists(repo.resolve(".git")));
        assertTrue(Files.readString(repo.resolve(".gitignore")).contains("/state/"));
        CliRun validate = CliRun.run("", "validate", "--repo", repo.toString(), "--rev", "main");
        assertEquals(0, validate.exit(), validate.out() + validate.err());
        assertTrue(validate.out().contains("valid: 1 cluster(s)"), validate.out());
        CliRun again = CliRun.run("", "init", repo.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("not an empty directory"), again.err());
    }

    @Test
    void validateReportsEveryProblemAsJsonForTools() throws Exception {
        CliRun ok = CliRun.run("", "validate", "--repo", EXAMPLE, "--format", "json");
        assertEquals(0, ok.exit(), ok.err());
        JsonNode json = new ObjectMapper().readTree(ok.out());
        assertTrue(json.path("valid").asBoolean());
        assertEquals(3, json.path("clusters").size());
        Path broken = tmp.resolve("broken");
        io.nkd.testsupport.TestFiles.copyTree(Path.of(EXAMPLE), broken);
        Path cluster = broken.resolve("clusters/sandbox-demo/cluster.yaml");
        Files.writeString(cluster, Files.readString(cluster).replace("replicas: 2", "replicaz: 2"));
        CliRun bad = CliRun.run("", "validate", "--repo", broken.toString(), "--format", "json");
        assertEquals(1, bad.exit());
        JsonNode problem = new ObjectMapper().readTree(bad.out()).path("problems").get(0);
        assertEquals("clusters/sandbox-demo/cluster.yaml", problem.path("file").asText());
        assertEquals(23, problem.path("line").asInt());
        assertEquals("UnknownKey", problem.path("code").asText());
    }

    @Test
    void withAStateDirReferencedSecretsMustExist() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state/secrets"));
        CliRun missing = CliRun.run("", "validate", "--repo", EXAMPLE, "--state-dir", tmp.resolve("state").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.out().contains("clusters/openstack-prod/cluster.yaml:29:20: error: secret openstack-prod-credentials "
                + "does not exist"), missing.out());
        Files.writeString(state.resolve("openstack-prod-credentials"), "{}");
        assertEquals(0, CliRun.run("", "validate", "--repo", EXAMPLE, "--state-dir", tmp.resolve("state").toString()).exit());
    }

    @Test
    void renderWritesPoolsNodesAndVersions() throws Exception {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("", "render", "--repo", EXAMPLE, "--out", out.toString(), "--cluster", "sandbox-demo");
        assertEquals(0, r.exit(), r.err());
        JsonNode versions = new ObjectMapper().readTree(out.resolve("sandbox-demo/versions.json").toFile());
        assertTrue(versions.path("pools").path("workers").asText().startsWith("rendered-workers-"));
        assertTrue(Files.exists(out.resolve("sandbox-demo/pools/control-plane.ign")));
        assertTrue(Files.exists(out.resolve("sandbox-demo/nodes/sandbox-demo-workers-2.ign")));
        assertFalse(Files.exists(out.resolve("openstack-prod")), "--cluster renders only that cluster");
        String cp = Files.readString(out.resolve("sandbox-demo/pools/control-plane.ign"));
        assertTrue(cp.contains("nkd-secret"), "without --state-dir secrets are placeholders");
        CliRun unknown = CliRun.run("", "render", "--repo", EXAMPLE, "--out", out.toString(), "--cluster", "nope");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no cluster named nope"), unknown.err());
    }

    @Test
    void renderWithAStateDirUsesRealSecretsAndCertsCanBeListedAndChecked() throws Exception {
        Path state = tmp.resolve("state");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("", "render", "--repo", EXAMPLE, "--out", out.toString(), "--state-dir", state.toString(),
                "--cluster", "libvirt-lab");
        assertEquals(0, r.exit(), r.err());
        String cp = Files.readString(out.resolve("libvirt-lab/pools/control-plane.ign"));
        assertFalse(cp.contains("nkd-secret"), "real secrets replace the placeholders");
        CliRun list = CliRun.run("", "certs", "list", "--state-dir", state.toString());
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("pki/apiserver.crt") && list.out().contains("192.168.122.10"), list.out());
        CliRun check = CliRun.run("", "certs", "check", "--state-dir", state.toString(), "--cluster", "libvirt-lab");
        assertEquals(0, check.exit(), check.out());
        CliRun soon = CliRun.run("", "certs", "check", "--state-dir", state.toString(), "--warn-days", "400");
        assertEquals(1, soon.exit(), "one-year leaves expire within 400 days");
        assertTrue(soon.out().contains("expiring"), soon.out());
        CliRun unknown = CliRun.run("", "certs", "list", "--state-dir", state.toString(), "--cluster", "nope");
        assertEquals(1, unknown.exit());

        // renew: only for a cluster nkd reconciled (its applied cluster.yaml gives spec.pki), what is due or --all
        CliRun notApplied = CliRun.run("", "certs", "renew", "libvirt-lab", "--state-dir", state.toString());
        assertEquals(1, notApplied.exit());
        assertTrue(notApplied.err().contains("no applied cluster.yaml"), notApplied.err());
        try (var cs = new io.nkd.state.LocalStateStore(state).open("libvirt-lab")) {
            cs.write(io.nkd.reconcile.ClusterReconciler.APPLIED_CLUSTER_FILE,
                    Files.readAllBytes(Path.of(EXAMPLE, "clusters/libvirt-lab/cluster.yaml")), io.nkd.state.Sensitivity.PUBLIC);
        }
        CliRun nothing = CliRun.run("", "certs", "renew", "libvirt-lab", "--state-dir", state.toString());
        assertEquals(0, nothing.exit(), nothing.err());
        assertTrue(nothing.out().contains("nothing to renew"), nothing.out());
        // the control-plane nodes' kubeadm certificates: a request the daemon carries into the Housekeeper's Update
        assertTrue(nothing.out().contains("requested the renewal of the control-plane nodes' kubeadm certificates (request "),
                nothing.out());
        var firstRequest = io.nkd.secrets.NodeCertificateRequest.read(new io.nkd.state.LocalStateStore(state).view("libvirt-lab"))
                .orElseThrow();
        assertTrue(nothing.out().contains("(request " + firstRequest.id() + ")"), nothing.out());
        byte[] adminBefore = Files.readAllBytes(state.resolve("clusters/libvirt-lab/kubernetes/admin.conf"));
        CliRun all = CliRun.run("", "certs", "renew", "libvirt-lab", "--state-dir", state.toString(), "--all");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("renewed admin.conf: valid until "), all.out());
        assertFalse(java.util.Arrays.equals(adminBefore, Files.readAllBytes(state.resolve("clusters/libvirt-lab/kubernetes/admin.conf"))));
        assertFalse(all.out().contains("PRIVATE KEY") || all.out().contains("client-key-data"), "no key is printed");
        var secondRequest = io.nkd.secrets.NodeCertificateRequest.read(new io.nkd.state.LocalStateStore(state).view("libvirt-lab"))
                .orElseThrow();
        assertTrue(secondRequest.requestedAt().isAfter(firstRequest.requestedAt()), "each run is a new request: " + secondRequest);
        CliRun skip = CliRun.run("", "certs", "renew", "libvirt-lab", "--state-dir", state.toString(), "--skip-nodes");
        assertEquals(0, skip.exit(), skip.err());
        assertFalse(skip.out().contains("control-plane nodes"), skip.out());
        assertEquals(secondRequest, io.nkd.secrets.NodeCertificateRequest.read(new io.nkd.state.LocalStateStore(state)
                .view("libvirt-lab")).orElseThrow(), "--skip-nodes asks nothing of the nodes");
        // the NestOS Housekeeper cannot renew: nkd says so and gives kubeadm's manual commands, and records nothing
        try (var cs = new io.nkd.state.LocalStateStore(state).open("libvirt-lab")) {
            String yaml = Files.readString(Path.of(EXAMPLE, "clusters/libvirt-lab/cluster.yaml"))
                    .replaceFirst("(?m)^spec:\n", "spec:\n  housekeeper:\n    flavor: nestos\n");
            cs.write(io.nkd.reconcile.ClusterReconciler.APPLIED_CLUSTER_FILE, yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    io.nkd.state.Sensitivity.PUBLIC);
        }
        CliRun nestos = CliRun.run("", "certs", "renew", "libvirt-lab", "--state-dir", state.toString());
        assertEquals(0, nestos.exit(), nestos.err());
        assertTrue(nestos.out().contains("not renewed through the cluster (spec.housekeeper.flavor is nestos"), nestos.out());
        assertTrue(nestos.out().contains("kubeadm certs renew all"), nestos.out());
        assertEquals(secondRequest, io.nkd.secrets.NodeCertificateRequest.read(new io.nkd.state.LocalStateStore(state)
                .view("libvirt-lab")).orElseThrow());
        CliRun stillValid = CliRun.run("", "certs", "check", "--state-dir", state.toString(), "--cluster", "libvirt-lab");
        assertEquals(0, stillValid.exit(), "renewed certificates chain to the same CAs: " + stillValid.out());
        CliRun noSuch = CliRun.run("", "certs", "renew", "nope", "--state-dir", state.toString());
        assertEquals(1, noSuch.exit());
        assertTrue(noSuch.err().contains("has no cluster nope (it has: libvirt-lab)"), noSuch.err());
    }
}
