package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.baremetal.BareMetalProvider;
import io.nkd.infra.baremetal.BareMetalRegistry;
import io.nkd.infra.baremetal.FetchRecord;
import io.nkd.testsupport.IgnitionTools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bare-metal machine's boot, as far as it involves nkd, over the real listeners: iPXE fetches its script by MAC,
 * the installer fetches the pointer config the script names, and the real Ignition (as the installed system runs it)
 * fetches the node's configs from nkd's Ignition server with the pointer's token; the machine then counts as
 * provisioned.
 */
class IpxeServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAC = "52:54:00:aa:bb:21";
    private static final Infrastructure.BareMetal SETTINGS = new Infrastructure.BareMetal(null,
            new Infrastructure.PxeImages("http://10.0.0.2/nestos/live-kernel", "http://10.0.0.2/nestos/live-initramfs.img",
                    "http://10.0.0.2/nestos/live-rootfs.img"), "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", null,
            List.of("console=ttyS0,115200n8"));

    @TempDir
    Path tmp;
    private ServerFixture fx;
    private BareMetalRegistry registry;
    private FetchRecord fetches;
    private Provider provider;
    private IpxeServer ipxe;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        fx = new ServerFixture(tmp);
        registry = new BareMetalRegistry(tmp.resolve("state"));
        // what the daemon wires: the Ignition server's record of each node's first fetch
        fetches = cluster -> {
            Map<String, java.time.Instant> out = new TreeMap<>();
            fx.tokens.fetches().fetched(fx.store.view(cluster)).forEach((node, f) -> out.put(node, f.first()));
            return out;
        };
        provider = new BareMetalProvider(registry, fetches, Clock.systemUTC()).withSettings(SETTINGS);
        ipxe = IpxeServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), IpxeServer.defaultLimits(), registry,
                fetches, Clock.systemUTC(), fx.meters);
    }

    @AfterEach
    void stop() {
        if (ipxe != null) {
            ipxe.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private void register(String node, String mac) {
        String pointer = fx.pointer(fx.tokens.issue(ServerFixture.CLUSTER, "workers", node));
        provider.create(new MachineRequest(ServerFixture.CLUSTER, "workers", node, NodePool.Role.WORKER,
                "0123456789abcdef0123456789abcdef01234567", "rendered-workers-x", null,
                new MachineSpec("", SETTINGS.pxe().rootfs(), mac, "192.168.122.21"), pointer));
    }

    private HttpResponse<String> get(String pathOrUrl) throws IOException, InterruptedException {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : URI.create(ipxe.baseUrl() + pathOrUrl);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The script's kernel arguments by name (an argument without '=' maps to ""). */
    private static Map<String, String> kernelArgs(String script) {
        String kernel = script.lines().filter(l -> l.startsWith("kernel ")).findFirst().orElseThrow(() -> new AssertionError(script));
        Map<String, String> args = new LinkedHashMap<>();
        Arrays.stream(kernel.split(" ")).skip(2).forEach(a -> args.put(a.contains("=") ? a.substring(0, a.indexOf('=')) : a,
                a.contains("=") ? a.substring(a.indexOf('=') + 1) : ""));
        return args;
    }

    @Test
    void theScriptOfAMacBootsTheCatalogsImagesAndInstallsWithTheNodesPointer() throws Exception {
        register("lab-worker-1", MAC);
        HttpResponse<String> r = get("/ipxe/52-54-00-AA-BB-21");
        assertEquals(200, r.statusCode(), r.body());
        String script = r.body();
        assertTrue(script.startsWith("#!ipxe\n"), script);
        assertTrue(script.contains("\nkernel http://10.0.0.2/nestos/live-kernel "), script);
        assertTrue(script.contains("\ninitrd --name main http://10.0.0.2/nestos/live-initramfs.img\n"), script);
        assertTrue(script.endsWith("\nboot\n"), script);
        Map<String, String> args = kernelArgs(script);
        assertEquals("http://10.0.0.2/nestos/live-rootfs.img", args.get("coreos.live.rootfs_url"));
        assertEquals("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", args.get("nestos.inst.install_dev"));
        assertEquals(ipxe.baseUrl() + "/ipxe/52-54-00-aa-bb-21/pointer.ign", args.get("nestos.inst.ignition_url"));
        assertEquals("metal", args.get("ignition.platform.id"));
        assertTrue(args.containsKey("ignition.firstboot"));
        assertEquals("ttyS0,115200n8", args.get("console"));
        assertFalse(args.containsKey("ignition.config.url"), "the live installer runs no config of the node");
        assertEquals(script, get("/ipxe/525400aabb21").body(), "the same machine in any MAC spelling");
        assertEquals(script, get("/ipxe/52:54:00:aa:bb:21").body());
    }

    @Test
    void thePointerReachedThroughTheScriptBootsWithNkdsIgnitionServerAndCountsTheMachineProvisioned() throws Exception {
        IgnitionTools.assumeIgnition();
        register("lab-worker-1", MAC);
        assertEquals(ProvisionedMachine.State.BUILDING, provider.list(ServerFixture.CLUSTER).get(0).state());

        String pointerUrl = kernelArgs(get("/ipxe/" + MAC).body()).get("nestos.inst.ignition_url");
        HttpResponse<String> pointer = get(pointerUrl); // what the installer does (curl), before it embeds the config
        assertEquals(200, pointer.statusCode(), pointer.body());
        assertEquals(IgnitionHandler.CONTENT_TYPE, pointer.headers().firstValue("Content-Type").orElse(""));
        ProvisionedMachine installing = provider.list(ServerFixture.CLUSTER).get(0);
        assertEquals(ProvisionedMachine.State.BUILDING, installing.state());
        assertTrue(installing.message().startsWith("installing: the installer fetched its pointer config"), installing.message());

        // the installed system's first boot: the real Ignition reads the embedded pointer and fetches from nkd over HTTPS
        Path config = Files.writeString(tmp.resolve("pointer.ign"), pointer.body());
        IgnitionTools.Fetched f = IgnitionTools.fetchStage(config, tmp.resolve("ignition"), 60);
        assertEquals(0, f.exit(), f.output());
        JsonNode cached = JSON.readTree(f.cachedConfig().orElseThrow());
        assertTrue(cached.toString().contains("JoinConfiguration") || cached.toString().contains("kubeadm"), "the workers' pool config");

        ProvisionedMachine active = provider.list(ServerFixture.CLUSTER).get(0);
        assertEquals(ProvisionedMachine.State.ACTIVE, active.state(), active.message());
        assertTrue(active.message().startsWith("installed: fetched its config at"), active.message());
        HttpResponse<String> again = get(pointerUrl);
        assertEquals(410, again.statusCode(), "a provisioned machine's pointer (its token) is no longer handed out");
        assertFalse(again.body().contains("Bearer"), again.body());
    }

    @Test
    void unknownAndDeletedMacsGet404() throws Exception {
        register("lab-worker-1", MAC);
        register("lab-worker-2", "52:54:00:aa:bb:22");
        assertEquals(404, get("/ipxe/52-54-00-aa-bb-99").statusCode());
        assertEquals(404, get("/ipxe/52-54-00-aa-bb-99/pointer.ign").statusCode());
        assertEquals(404, get("/ipxe/not-a-mac").statusCode());
        assertEquals(404, get("/ipxe/52-54-00-aa-bb-21/other").statusCode());

        provider.delete(ServerFixture.CLUSTER, "lab-worker-1");
        assertEquals(404, get("/ipxe/" + MAC).statusCode(), "a deleted machine is no longer answered");
        assertEquals(404, get("/ipxe/" + MAC + "/pointer.ign").statusCode());
        assertEquals(200, get("/ipxe/52:54:00:aa:bb:22").statusCode(), "the other machine still is");

        var counted = fx.meters.find(IpxeHandler.METER).tag("kind", "script").tag("status", "404").counter();
        assertEquals(3.0, counted == null ? 0 : counted.count(), "nkd_ipxe_requests_total{kind=script,status=404}: bb-99, not-a-mac, the deleted one");
    }

    @Test
    void aCorruptFetchRecordWithholdsThePointerWith503AndLeavesTheScript() throws Exception {
        register("lab-worker-1", MAC);
        ipxe.close();
        FetchRecord corrupt = cluster -> {
            // what the daemon's record throws for a corrupt ignition/fetches.json (a state exception naming the file)
            throw new IllegalStateException("state file clusters/lab/ignition/fetches.json is corrupt: not valid JSON");
        };
        ipxe = IpxeServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), IpxeServer.defaultLimits(), registry,
                corrupt, Clock.systemUTC(), fx.meters);
        HttpResponse<String> pointer = get("/ipxe/" + MAC + "/pointer.ign");
        assertEquals(503, pointer.statusCode(), "nkd cannot tell whether the node is provisioned: no token, and the installer retries");
        assertFalse(pointer.body().contains("Bearer"), pointer.body());
        assertEquals("30", pointer.headers().firstValue("Retry-After").orElse(""));
        assertEquals(0, registry.hosts(ServerFixture.CLUSTER).get(0).pointerFetches(), "nothing was served, so no fetch is recorded");
        assertEquals(200, get("/ipxe/" + MAC).statusCode(), "the script holds no secret and needs no fetch record");
    }

    @Test
    void theChainScriptAsksForTheBootInterfacesMac() throws Exception {
        HttpResponse<String> r = get("/ipxe/boot.ipxe");
        assertEquals(200, r.statusCode());
        assertEquals("#!ipxe", r.body().lines().findFirst().orElse(""));
        assertTrue(r.body().contains("\nchain " + ipxe.baseUrl() + "/ipxe/${mac:hexhyp}\n"), r.body());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(ipxe.baseUrl() + "/ipxe/boot.ipxe"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void aRestartedRegistryAnswersTheSameMacs() throws Exception {
        register("lab-worker-1", MAC);
        String before = get("/ipxe/" + MAC).body();
        ipxe.close();
        BareMetalRegistry restarted = new BareMetalRegistry(tmp.resolve("state"));
        ipxe = IpxeServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), IpxeServer.defaultLimits(), restarted,
                fetches, Clock.systemUTC(), fx.meters);
        String after = get("/ipxe/" + MAC).body();
        // the same script but for the listener's new port
        assertEquals(before.replaceAll("127\\.0\\.0\\.1:[0-9]+", "HOST"), after.replaceAll("127\\.0\\.0\\.1:[0-9]+", "HOST"));
    }
}
