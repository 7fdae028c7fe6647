package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeUpdateState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.T0;
import static io.nkd.housekeeper.rollout.Fixtures.spec;
import static io.nkd.housekeeper.rollout.Fixtures.update;
import static io.nkd.housekeeper.rollout.Fixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A corrupt report or assignment annotation on one node (written by hand, by a foreign tool, or truncated): the node
 * is reported with its name and the reason, and the other nodes roll on.
 */
class CorruptAnnotationTest {
    private static Node node(String key, String value) {
        return new NodeBuilder().withNewMetadata().withName("bad-1").withAnnotations(Map.of(key, value)).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                .withNewNodeInfo().withKubeletVersion("v1.29.3").endNodeInfo().endStatus().build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "{}", "[]", "\"text\"", "42", "true", "{\"state\":\"Bogus\"}",
            "{\"state\":[1]}", "{\"booted\":\"x\",\"state\":\"Idle\"}", "{\"state\":null}", "{not json"})
    void aCorruptReportIsAProblemNamingTheNodeAndTheOthersRollOn(String value) {
        assertOthersRollOn(NodeKeys.REPORT_ANNOTATION, value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "{}", "[]", "\"text\"", "42", "{\"attempt\":\"x\"}",
            "{\"update\":\"hk/up\",\"updateUid\":null,\"generation\":1,\"attempt\":1}", "{\"kubeadmUpgrade\":\"Bogus\"}",
            "{not json"})
    void aCorruptAssignmentIsAProblemNamingTheNodeAndTheOthersRollOn(String value) {
        assertOthersRollOn(NodeKeys.ASSIGNMENT_ANNOTATION, value);
    }

    @ParameterizedTest
    @ValueSource(ints = {200_000})
    void aHugeAnnotationIsReadOrRefusedWithoutFailingThePlan(int size) {
        assertOthersRollOn(NodeKeys.REPORT_ANNOTATION, "{\"message\":\"" + "x".repeat(size) + "\"");
        assertOthersRollOn(NodeKeys.ASSIGNMENT_ANNOTATION, "[".repeat(size));
    }

    private static void assertOthersRollOn(String key, String value) {
        NodeView bad = NodeView.of(node(key, value));
        assertNotNull(bad.problem(), "a corrupt " + key + " must be a problem: " + abbreviate(value));
        assertTrue(bad.problem().contains("bad-1") && bad.problem().contains(key), bad.problem());
        assertTrue(bad.problem().length() < 2_000, "the problem quotes no huge value: " + bad.problem().length());
        List<NodeView> views = new ArrayList<>();
        views.add(bad);
        views.add(worker("w-1").view());
        views.add(worker("w-2").view());
        RolloutDecision d = RolloutPlanner.plan(new RolloutInput(update(spec(NEW_IMAGE, "", 2), 1, null), views,
                EtcdHealth.healthy("3 of 3"), T0, Fixtures.READY_TIMEOUT));
        List<String> assigned = d.actions().stream().filter(a -> a instanceof NodeAction.Assign)
                .map(NodeAction::node).sorted().toList();
        assertTrue(assigned.contains("w-1") && assigned.contains("w-2") || assigned.size() == 2,
                "the other nodes are selected: " + assigned);
        var badStatus = d.status().nodes().stream().filter(n -> n.name().equals("bad-1")).findFirst().orElseThrow();
        assertTrue(badStatus.message() != null && badStatus.message().contains(key), badStatus.message());
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
