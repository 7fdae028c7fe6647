package io.nkd.infra.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.config.Infrastructure;
import io.nkd.config.SecretRef;
import io.nkd.infra.ProviderException;
import io.nkd.secrets.SecretResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster.yaml's OpenStack settings, credentials from a secret or clouds.yaml, and the pure parts of the provider. */
class OpenStackSettingsTest {
    private static final SecretRef SECRET = new SecretRef("os-creds", null);

    private static Infrastructure.OpenStack settings(String authURL, SecretRef credentials, String cloud, List<String> cidrs,
                                                     Boolean nodePorts, Integer volume) {
        return new Infrastructure.OpenStack(authURL, credentials, null, "k8s-net", "nestos", null, null, cloud, cidrs, nodePorts,
                volume, null, null);
    }

    @Test
    void settingsRefuseWhatCannotWorkAndNameTheField() {
        assertTrue(message(() -> settings(null, null, null, null, null, null)).contains("credentials (with authURL) or cloud"));
        assertTrue(message(() -> settings("https://k/v3", SECRET, "prod", null, null, null)).contains("not both"));
        assertTrue(message(() -> settings(null, SECRET, null, null, null, null)).contains("authURL is required with credentials"));
        assertTrue(message(() -> settings("https://k/v3", null, "prod", null, null, null)).contains("authURL is taken from clouds.yaml"));
        assertEquals("allowedCIDRs[1]: \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?",
                message(() -> settings(null, null, "prod", List.of("192.0.2.0/24", "10.0.0.1/8"), null, null)));
        assertTrue(message(() -> settings(null, null, "prod", null, null, 0)).startsWith("bootVolumeGiB must be at least 1"));
        Infrastructure.OpenStack ok = settings(null, null, "prod", null, null, null);
        assertEquals(List.of(), ok.allowedCIDRs());
        assertEquals(Infrastructure.ServerGroupPolicy.ANTI_AFFINITY, ok.controlPlanePolicy());
        assertEquals("soft-anti-affinity", Infrastructure.ServerGroupPolicy.SOFT_ANTI_AFFINITY.wire());
    }

    @Test
    void securityGroupOpensTheApiAndSshOnlyToTheListedNetworksAndEverythingBetweenNodes() {
        List<SecurityRules.Rule> none = SecurityRules.desired(settings(null, null, "prod", null, null, null));
        assertEquals(2, none.size());
        assertTrue(none.stream().allMatch(SecurityRules.Rule::self), none::toString);

        List<SecurityRules.Rule> rules = SecurityRules.desired(settings(null, null, "prod",
                List.of("192.0.2.0/24", "2001:db8::/32", "192.0.2.0/24"), true, null));
        Set<String> outside = new HashSet<>();
        rules.stream().filter(r -> !r.self()).forEach(r -> outside.add(r.describe()));
        assertTrue(outside.contains("tcp 6443 from 192.0.2.0/24 (IPv4)"), outside::toString);
        assertTrue(outside.contains("tcp 22 from 2001:db8::/32 (IPv6)"), outside::toString);
        assertTrue(outside.contains("udp 30000-32767 from 192.0.2.0/24 (IPv4)"), outside::toString);
        assertEquals(8, outside.size(), outside::toString);
        assertFalse(rules.stream().anyMatch(r -> "0.0.0.0/0".equals(r.cidr()) || "::/0".equals(r.cidr())));

        Map<String, Object> body = rules.get(0).neutron("sg-1");
        assertEquals("sg-1", body.get("remote_group_id"));
        assertFalse(body.containsKey("protocol"), "every protocol between nodes");
    }

    @Test
    void userDataOverNovasLimitIsRefusedWithSizesOnly() {
        assertEquals("e30=", UserData.encode("{}", "n1"));
        String big = "{\"token\":\"secret-token\",\"pad\":\"" + "x".repeat(50_000) + "\"}";
        ProviderException e = assertThrows(ProviderException.class, () -> UserData.encode(big, "lab-worker-1"));
        assertTrue(e.getMessage().contains("lab-worker-1") && e.getMessage().contains("65535"), e::getMessage);
        assertFalse(e.getMessage().contains("secret-token"));
        String justUnder = "x".repeat(65535 / 4 * 3);
        assertEquals(65532, UserData.encode(justUnder, "n").length());
    }

    @Test
    void markersRoundTripThroughNovaKeysAndNeutronDescriptions() {
        Map<String, String> nova = Marks.toNova(Map.of("nkd.io/cluster", "prod"));
        assertEquals(Map.of("nkd.io:cluster", "prod"), nova);
        assertEquals(Map.of("nkd.io/cluster", "prod"), Marks.fromNova(nova));
        String d = Marks.description("prod", "prod-worker-1");
        assertEquals("nkd.io/managed=true nkd.io/cluster=prod nkd.io/node=prod-worker-1", d);
        assertTrue(Marks.owns(d, "prod"));
        assertFalse(Marks.owns(d, "pro"));
        assertFalse(Marks.owns("nkd.io/cluster=prod", "prod"), "no marker, not nkd's");
        assertFalse(Marks.owns(null, "prod"));
        assertEquals("prod-worker-1", Marks.node(d));
    }

    @Test
    void openStackErrorsBecomeKindsWithTheServicesOwnWords() {
        assertEquals(ProviderException.Kind.QUOTA_EXCEEDED,
                Failures.kind(403, "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"));
        assertEquals(ProviderException.Kind.QUOTA_EXCEEDED, Failures.kind(409, "Quota exceeded for resources: ['port']."));
        assertEquals(ProviderException.Kind.NO_VALID_HOST, Failures.kind(500, "No valid host was found. There are not enough hosts available."));
        assertEquals(ProviderException.Kind.UNAUTHORIZED, Failures.kind(401, "The request you have made requires authentication."));
        assertEquals(ProviderException.Kind.CONFLICT, Failures.kind(409, "IP address 10.0.0.5 already allocated in subnet x"));
        assertEquals(ProviderException.Kind.NOT_FOUND, Failures.kind(404, "Network n could not be found."));
        assertEquals(ProviderException.Kind.SERVER_ERROR, Failures.kind(503, "Service Unavailable"));
        assertEquals("Quota exceeded for resources: ['port'].", Failures.messageOf(
                "{\"NeutronError\": {\"type\": \"OverQuota\", \"message\": \"Quota exceeded for resources: ['port'].\", \"detail\": \"\"}}".getBytes()));
        assertEquals("The request you have made requires authentication.", Failures.messageOf(
                "{\"error\":{\"code\":401,\"message\":\"The request you have made requires authentication.\",\"title\":\"Unauthorized\"}}".getBytes()));
        assertEquals("<html>bad gateway</html>", Failures.messageOf("<html>bad gateway</html>".getBytes()));
    }

    @Test
    void credentialsComeFromTheSecretAsJsonAndNeverShowTheirSecrets(@TempDir Path state) throws Exception {
        Files.createDirectories(state.resolve("secrets"));
        Files.writeString(state.resolve("secrets/os-creds"), "{\"username\": \"nkd\", \"password\": \"pw-123\", "
                + "\"user_domain_name\": \"Default\", \"project_name\": \"k8s\", \"project_domain_name\": \"Default\"}\n");
        SecretResolver secrets = new SecretResolver(state, Map.of());
        CloudAccess access = CloudAccess.resolve(settings("https://keystone.example.com:5000/v3/", SECRET, null, null, null, null),
                secrets, Map.of(), state);
        Credentials.Password p = (Credentials.Password) access.credentials();
        assertEquals("https://keystone.example.com:5000/v3", p.authURL());
        assertEquals("user nkd in project k8s", p.describe());
        assertFalse(access.toString().contains("pw-123") || p.toString().contains("pw-123"), access::toString);
        String body = new ObjectMapper().writeValueAsString(Credentials.authRequest(p));
        assertTrue(body.contains("\"methods\":[\"password\"]") && body.contains("\"scope\":{\"project\":{\"name\":\"k8s\""), body);

        Files.writeString(state.resolve("secrets/os-creds"), "{\"application_credential_id\": \"ac1\", \"application_credential_secret\": \"s3\"}");
        Credentials app = CloudAccess.resolve(settings("https://k/v3", SECRET, null, null, null, null), secrets, Map.of(), state).credentials();
        String appBody = new ObjectMapper().writeValueAsString(Credentials.authRequest(app));
        assertEquals("{\"auth\":{\"identity\":{\"methods\":[\"application_credential\"],\"application_credential\":{\"id\":\"ac1\",\"secret\":\"s3\"}}}}",
                appBody);
        assertFalse(app.toString().contains("s3\""));

        Files.writeString(state.resolve("secrets/os-creds"), "{\"username\": \"nkd\", \"pasword\": \"pw-123\"}");
        ProviderException typo = assertThrows(ProviderException.class, () -> CloudAccess.resolve(
                settings("https://k/v3", SECRET, null, null, null, null), secrets, Map.of(), state));
        assertTrue(typo.getMessage().contains("[pasword]") && typo.getMessage().contains("secret os-creds"), typo::getMessage);
        assertFalse(typo.getMessage().contains("pw-123"));

        Files.writeString(state.resolve("secrets/os-creds"), "password: pw-123");
        ProviderException notJson = assertThrows(ProviderException.class, () -> CloudAccess.resolve(
                settings("https://k/v3", SECRET, null, null, null, null), secrets, Map.of(), state));
        assertTrue(notJson.getMessage().contains("is not a JSON object"), notJson::getMessage);
        assertFalse(notJson.getMessage().contains("pw-123"), notJson::getMessage);

        Files.delete(state.resolve("secrets/os-creds"));
        ProviderException missing = assertThrows(ProviderException.class, () -> CloudAccess.resolve(
                settings("https://k/v3", SECRET, null, null, null, null), secrets, Map.of(), state));
        assertEquals(ProviderException.Kind.UNAUTHORIZED, missing.kind());
        assertTrue(missing.getMessage().contains("does not exist"), missing::getMessage);
    }

    @Test
    void cloudsYamlIsFoundLikeTheOpenStackClientFindsItWithSecureYamlMerged(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("etc");
        Files.createDirectories(config);
        Files.writeString(config.resolve("clouds.yaml"), """
                clouds:
                  prod:
                    auth:
                      auth_url: https://keystone.example.com:5000
                      username: nkd
                      project_name: k8s
                      user_domain_name: Default
                      project_domain_name: Default
                    region_name: RegionTwo
                    interface: internal
                """);
        Files.writeString(config.resolve("secure.yaml"), "clouds:\n  prod:\n    auth:\n      password: pw-456\n");
        Map<String, String> env = Map.of("OS_CLIENT_CONFIG_FILE", config.resolve("clouds.yaml").toString());
        CloudAccess access = CloudAccess.resolve(settings(null, null, "prod", null, null, null), new SecretResolver(dir, Map.of()), env, dir);
        assertEquals("RegionTwo", access.region());
        assertEquals("internal", access.facing());
        Credentials.Password p = (Credentials.Password) access.credentials();
        assertEquals("https://keystone.example.com:5000/v3", p.authURL());
        assertEquals("pw-456", p.password());

        ProviderException unknown = assertThrows(ProviderException.class, () -> CloudAccess.resolve(
                settings(null, null, "staging", null, null, null), new SecretResolver(dir, Map.of()), env, dir));
        assertTrue(unknown.getMessage().contains("has no cloud staging"), unknown::getMessage);

        ProviderException none = assertThrows(ProviderException.class, () -> CloudAccess.resolve(
                settings(null, null, "prod", null, null, null), new SecretResolver(dir, Map.of()), Map.of("HOME", dir.toString()), dir,
                dir.resolve("no-etc")));
        assertTrue(none.getMessage().contains("no clouds.yaml was found") && none.getMessage().contains("OS_CLIENT_CONFIG_FILE"),
                none::getMessage);
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }
}
