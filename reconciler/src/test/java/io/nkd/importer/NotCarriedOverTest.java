package io.nkd.importer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The not-carried-over list names the NKD keys as written; secret values never reach any output. */
class NotCarriedOverTest {
    private static void assertNamed(ImportResult r, String... keys) {
        Set<String> named = Nkd.keys(r);
        for (String k : keys) {
            assertTrue(named.contains(k), () -> k + " is not named; items: " + named);
        }
    }

    @Test
    void libvirtItems() {
        ImportResult r = Fixtures.convert(Fixtures.LIBVIRT);
        assertNamed(r, "password", "kubernetes.token", "kubernetes.certificateKey", "kubernetes.adminKubeConfig",
                "kubernetes.kubernetesApiVersion", "kubernetes.network.plugin", "worker[].hardwareInfo.cpu",
                "worker[].hardwareInfo.ram", "worker[].hardwareInfo.disk", "infraPlatform.cidr");
        NotCarriedOver password = r.notCarriedOver().stream().filter(i -> i.key().equals("password")).findFirst().orElseThrow();
        assertTrue(password.toString().contains("nkd never stores passwords in Git"), password.toString());
        assertTrue(password.action().contains("STATE_DIR/secrets/lab-root-password"), password.action());
        NotCarriedOver disk = r.notCarriedOver().stream().filter(i -> i.key().equals("worker[].hardwareInfo.disk")).findFirst()
                .orElseThrow();
        assertTrue(disk.reason().contains("the largest (100) is used"), disk.reason());
        assertFalse(Nkd.keys(r).contains("master[].hardwareInfo.disk"), "the masters agree");
    }

    @Test
    void openstackItems() {
        ImportResult r = Fixtures.convert(Fixtures.OPENSTACK);
        assertNamed(r, "infraPlatform.password", "infraPlatform.externalNetwork", "kubernetes.token", "kubernetes.network.plugin");
        NotCarriedOver creds = r.notCarriedOver().stream().filter(i -> i.key().equals("infraPlatform.password")).findFirst()
                .orElseThrow();
        assertTrue(creds.action().contains("STATE_DIR/secrets/prod-os-openstack-credentials"), creds.action());
    }

    @Test
    void oldSpellingItemsUseTheOldSpelling() {
        ImportResult r = Fixtures.convert(Fixtures.SNAKE);
        assertNamed(r, "kubernetes.token", "kubernetes.certificatekey", "kubernetes.adminkubeconfig", "master[].password",
                "worker[].ign_data", "worker[].hardwareinfo.disk", "kubernetes.network.coredns_image_version",
                "kubernetes.release_image_url", "kubernetes.image_registry", "housekeeper.deployhousekeeper",
                "housekeeper.operatorimageurl", "housekeeper.controllerimageurl");
        NotCarriedOver image = r.notCarriedOver().stream().filter(i -> i.key().equals("kubernetes.release_image_url")).findFirst()
                .orElseThrow();
        assertTrue(image.action().startsWith("pin the OS image by digest"), image.action());
        assertTrue(r.notCarriedOver().stream().filter(i -> i.key().equals("master[].password")).count() == 1,
                "one item per key, not per node");
    }

    @Test
    void pxeItems() {
        ImportResult r = Fixtures.convert(Fixtures.PXE);
        assertNamed(r, "infraPlatform.ip", "infraPlatform.httpServerPort", "infraPlatform.httpRootDir",
                "infraPlatform.tftpServerPort", "infraPlatform.tftpRootDir", "master", "worker", "master[].ip",
                "password", "sshKey", "kubernetes.certificateKey", "housekeeper.osImageURL");
    }

    @Test
    void unknownKeysAndSectionsWithoutCounterpartAreListed() {
        String text = Nkd.minimal() + "hooks:\n  preHookScript: /opt/pre.sh\nbootConfig:\n  master:\n    path: /x.ign\n"
                + "kubernets:\n  x: 1\nosImage:\n  type: generalos\n";
        ImportResult r = NkdConfigImporter.convert(text, "c.yaml");
        assertNamed(r, "hooks", "bootConfig", "kubernets", "osImage.type");
    }

    @Test
    void aDownloadedBaseImageAndUnknownNodeKeysAreListed() {
        String text = Nkd.minimal().replace("osPath: /var/lib/nkd/nestos.qcow2", "osPath: https://nestos.org.cn/x/nestos.{arch}.qcow2")
                .replace("    ip: 10.1.0.21\n", "    ip: 10.1.0.21\n    mac: 52:54:00:00:00:01\n");
        ImportResult r = NkdConfigImporter.convert(text, "c.yaml");
        assertNamed(r, "infraPlatform.osPath", "worker[0].mac");
        assertTrue(Nkd.cluster(r).contains("baseImage: https://nestos.org.cn/x/nestos.x86_64.qcow2"), Nkd.cluster(r));
    }

    @Test
    void addressesOutsideTheLibvirtNetworkAreFlagged() {
        ImportResult r = NkdConfigImporter.convert(Nkd.minimal().replace("cidr: 10.1.0.0/24", "cidr: 10.2.0.0/24"), "c.yaml");
        NotCarriedOver item = r.notCarriedOver().stream().filter(i -> i.key().equals("master[].ip")).findFirst().orElseThrow();
        assertTrue(item.reason().contains("lab-master01's address 10.1.0.11 is outside the libvirt network 10.2.0.0/24"), item.reason());
        assertFalse(Nkd.keys(NkdConfigImporter.convert(Nkd.minimal(), "c.yaml")).contains("master[].ip"));
    }

    @Test
    void aPasswordThatIsNoHashGetsAdviceToHashIt() {
        ImportResult r = NkdConfigImporter.convert(Nkd.minimal() + "password: \"plain-Secret-1\"\n", "c.yaml");
        NotCarriedOver item = r.notCarriedOver().stream().filter(i -> i.key().equals("password")).findFirst().orElseThrow();
        assertTrue(item.action().contains("openssl passwd -6"), item.action());
        assertFalse(r.toString().contains("plain-Secret-1") || item.toString().contains("plain-Secret-1"));
        assertFalse(Nkd.cluster(r).contains("plain-Secret-1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.LIBVIRT, Fixtures.OPENSTACK, Fixtures.SNAKE, Fixtures.PXE})
    void noSecretValueReachesAnyOutput(String fixture) {
        ImportResult r = Fixtures.convert(fixture);
        List<String> outputs = new ArrayList<>(r.files().values());
        outputs.add(r.toString());
        r.notCarriedOver().forEach(i -> outputs.add(i.toString()));
        outputs.addAll(r.caFiles().values());
        for (String secret : Fixtures.SECRETS) {
            for (String out : outputs) {
                assertFalse(out.contains(secret), () -> "secret " + secret + " leaked into:\n" + out);
            }
        }
    }

    @Test
    void noSecretValueReachesErrorMessages() {
        String broken = Fixtures.text(Fixtures.LIBVIRT).replace("platform: libvirt", "platform: vsphere")
                .replace("  kubernetesVersion: \"v1.30.8\"", "  kubernetesVersion: \"latest\"");
        ImportException e = assertThrows(ImportException.class, () -> NkdConfigImporter.convert(broken, "c.yaml"));
        for (String secret : Fixtures.SECRETS) {
            assertFalse(e.getMessage().contains(secret), e.getMessage());
        }
        String unclosed = "clusterID: x\npassword: \"$6$abc$UNCLOSEDsecret\nmaster: []\n";
        ImportException syntax = assertThrows(ImportException.class, () -> NkdConfigImporter.convert(unclosed, "c.yaml"));
        assertFalse(syntax.getMessage().contains("UNCLOSEDsecret"), syntax.getMessage());
    }
}
