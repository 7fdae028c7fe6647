package io.nkd.housekeeper.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.rollout.EtcdHealth;
import io.nkd.housekeeper.rollout.NodeAction;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's pure parts: node patches, the etcd verdict, the command's options. */
class OperatorUnitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAssignmentPatchSetsOnlyTheOperatorsKeys() throws Exception {
        NodeAssignment a = new NodeAssignment("hk/u", "uid", 2, 1, "r/os:2", null, KubeadmUpgrade.NONE, false, 600,
                null);
        NodePatch p = NodePatch.of("n1", List.of(new NodeAction.Assign("n1", a, NodeAction.Cause.SELECTED)));
        JsonNode m = JSON.readTree(p.json()).get("metadata");
        assertEquals("", m.get("labels").get(NodeKeys.UPGRADING_LABEL).asText());
        assertEquals("uid/2/1", JSON.readValue(m.get("annotations").get(NodeKeys.ASSIGNMENT_ANNOTATION).asText(),
                NodeAssignment.class).id());
        assertTrue(m.get("annotations").get(NodeKeys.RETRY_ANNOTATION).isNull(), "a retry it answers is removed");
        assertEquals(List.of("labels", "annotations"), iterate(m));
        assertFalse(m.get("annotations").has(NodeKeys.REPORT_ANNOTATION), "the agent's report is never touched");
        assertTrue(p.touchesAssignment());
    }

    @Test
    void aReleaseAndTheCompletionCleanupRemoveKeysInOnePatch() throws Exception {
        NodePatch p = NodePatch.of("n1", List.of(new NodeAction.Release("n1"), new NodeAction.ClearCompleted("n1")));
        JsonNode m = JSON.readTree(p.json()).get("metadata");
        assertTrue(m.get("labels").get(NodeKeys.UPGRADING_LABEL).isNull());
        assertTrue(m.get("labels").get(NodeKeys.UPGRADE_COMPLETED_LABEL).isNull());
        assertTrue(m.get("annotations").get(NodeKeys.ASSIGNMENT_ANNOTATION).isNull());
        assertEquals(null, p.assignment());
        NodePatch retry = NodePatch.of("n1", List.of(new NodeAction.ClearRetry("n1")));
        assertEquals("{\"metadata\":{\"annotations\":{\"housekeeper.io/retry\":null}}}", retry.json());
        assertFalse(retry.touchesAssignment());
        assertThrows(IllegalArgumentException.class, () -> NodePatch.of("n1", List.of(new NodeAction.Release("n2"))));
    }

    private static List<String> iterate(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Pod etcd(String name, String phase, String ready) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().withPhase(phase)
                .addNewCondition().withType("Ready").withStatus(ready).endCondition().endStatus().build();
    }

    @Test
    void etcdIsHealthyOnlyWhenEveryPodIsRunningAndReady() {
        EtcdHealth ok = PodEtcdHealthCheck.health(List.of(etcd("etcd-a", "Running", "True"),
                etcd("etcd-b", "Running", "True")), "kube-system");
        assertTrue(ok.healthy(), ok.detail());
        EtcdHealth notReady = PodEtcdHealthCheck.health(List.of(etcd("etcd-a", "Running", "True"),
                etcd("etcd-b", "Running", "False")), "kube-system");
        assertFalse(notReady.healthy());
        assertTrue(notReady.detail().contains("kube-system/etcd-b"), notReady.detail());
        EtcdHealth pending = PodEtcdHealthCheck.health(List.of(etcd("etcd-a", "Pending", "False")), "kube-system");
        assertTrue(pending.detail().contains("Pending"), pending.detail());
        EtcdHealth none = PodEtcdHealthCheck.health(List.of(), "kube-system");
        assertFalse(none.healthy());
        assertTrue(none.detail().contains("--etcd-check none"), none.detail());
        assertTrue(EtcdHealthCheck.none().check().healthy());
    }

    @Test
    void theCommandsDefaultsAndOptions() {
        OperatorCommand c = new OperatorCommand();
        new CommandLine(c).parseArgs("--namespace", "hk", "--identity", "pod-1");
        OperatorConfig config = c.config();
        assertEquals("hk", config.namespace());
        assertEquals("pod-1", config.identity());
        assertEquals("housekeeper-operator", config.leaseName());
        assertEquals(Duration.ofMinutes(15), config.nodeReadyTimeout());
        assertEquals(Duration.ofSeconds(30), config.resync());
        assertEquals(EtcdCheckMode.PODS, config.etcdCheck());
        assertEquals(8080, config.metricsPort());
        assertEquals(Map.of(), config.nodeSelector());

        OperatorCommand d = new OperatorCommand();
        new CommandLine(d).parseArgs("--node-ready-timeout", "1h30m", "--resync", "10s", "--etcd-check", "none",
                "--metrics-port", "9090", "--lease-name", "hk-lease", "--node-selector", "pool=a, nkd.io/x");
        OperatorConfig e = d.config();
        assertEquals(Duration.ofMinutes(90), e.nodeReadyTimeout());
        assertEquals(Duration.ofSeconds(10), e.resync());
        assertEquals(EtcdCheckMode.NONE, e.etcdCheck());
        assertEquals(9090, e.metricsPort());
        assertEquals("hk-lease", e.leaseName());
        assertEquals(Map.of("pool", "a", "nkd.io/x", ""), e.nodeSelector());
    }

    @Test
    void badOptionsNameTheOptionAndTheForm() {
        OperatorCommand c = new OperatorCommand();
        new CommandLine(c).parseArgs("--etcd-check", "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::config);
        assertTrue(e.getMessage().contains("--etcd-check maybe") && e.getMessage().contains("pods or none"));
        OperatorCommand d = new OperatorCommand();
        new CommandLine(d).parseArgs("--node-ready-timeout", "15 minutes");
        e = assertThrows(IllegalArgumentException.class, d::config);
        assertTrue(e.getMessage().startsWith("--node-ready-timeout:") && e.getMessage().contains("10m"),
                e.getMessage());
        OperatorCommand f = new OperatorCommand();
        new CommandLine(f).parseArgs("--resync", "0s");
        assertTrue(assertThrows(IllegalArgumentException.class, f::config).getMessage().startsWith("--resync"));
    }
}
