package io.nkd.housekeeper.api;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocking budgets in the agent's report and in the Update's status: read back as written, absent from the JSON
 * when nothing blocks (no {@code "blockedBy":[]} in every report), and a report of an older agent without the field
 * still reads.
 */
class DisruptionBudgetBlockJsonTest {
    static final DisruptionBudgetBlock WEB = new DisruptionBudgetBlock("shop/web", List.of("shop/web-1", "shop/web-2"),
            "2026-12-06T12:01:07Z");
    static final DisruptionBudgetBlock UNNAMED = new DisruptionBudgetBlock(null, List.of("shop/db-0"),
            "2026-12-06T12:02:00Z");

    static Node withReport(String json) {
        return new NodeBuilder().withNewMetadata().withName("w-1").addToAnnotations(NodeKeys.REPORT_ANNOTATION, json)
                .endMetadata().build();
    }

    static NodeReport draining(List<DisruptionBudgetBlock> blockedBy) {
        return new NodeReport(new OsDeployment("registry.example/os:1", null, "abc", null), null, null, "v1.29.3",
                AgentState.DRAINING, "ns/u-1-1", null, "draining", blockedBy, "2026-12-06T12:00:00Z", true, null,
                "dev");
    }

    @Test
    void aReportWithBlockingBudgetsReadsBackAsWritten() {
        NodeReport r = draining(List.of(WEB, UNNAMED));
        String json = ContractJson.write(r);
        assertTrue(json.contains("\"blockedBy\":[{\"budget\":\"shop/web\",\"pods\":[\"shop/web-1\",\"shop/web-2\"],"
                + "\"since\":\"2026-12-06T12:01:07Z\"},{\"pods\":[\"shop/db-0\"],\"since\":\"2026-12-06T12:02:00Z\"}]"),
                json);
        assertEquals(r, ContractJson.report(withReport(json)).orElseThrow());
    }

    @Test
    void nothingBlockingLeavesTheFieldOut() {
        String json = ContractJson.write(draining(List.of()));
        assertFalse(json.contains("blockedBy"), json);
        assertFalse(ContractJson.write(draining(null)).contains("blockedBy"));
        assertEquals(draining(List.of()), draining(null), "null and empty are the same report");
    }

    @Test
    void anOlderAgentsReportWithoutTheFieldStillReads() {
        String old = "{\"booted\":{\"image\":\"registry.example/os:1\",\"checksum\":\"abc\"},\"kubeletVersion\":"
                + "\"v1.29.3\",\"state\":\"Draining\",\"assignment\":\"ns/u-1-1\",\"message\":\"draining: evicting pods "
                + "(timeout 600s)\",\"since\":\"2026-12-06T12:00:00Z\",\"cordonedByAgent\":true,\"agentVersion\":\"0.0.9\"}";
        NodeReport r = ContractJson.report(withReport(old)).orElseThrow();
        assertEquals(List.of(), r.blockedBy());
        assertEquals(AgentState.DRAINING, r.state());
        assertEquals("draining: evicting pods (timeout 600s)", r.message());
    }

    @Test
    void theStatusCarriesTheBlocksThroughTheKubernetesSerialization() {
        KubernetesSerialization serialization = new KubernetesSerialization();
        NodeProgress blocked = new NodeProgress("w-1", NodeRole.WORKER, NodeUpdateState.UPDATING, AgentState.DRAINING,
                "2026-12-06T12:00:00Z", "registry.example/os:1", "v1.29.3", null, "draining", List.of(WEB));
        String json = serialization.asJson(blocked);
        assertTrue(json.contains("\"blockedBy\":[{\"budget\":\"shop/web\""), json);
        assertEquals(blocked, serialization.unmarshal(json, NodeProgress.class));

        NodeProgress free = new NodeProgress("w-2", NodeRole.WORKER, NodeUpdateState.PENDING, null,
                "2026-12-06T12:00:00Z", "registry.example/os:1", "v1.29.3", null, "runs …");
        String freeJson = serialization.asJson(free);
        assertFalse(freeJson.contains("blockedBy"), freeJson);
        assertEquals(free, serialization.unmarshal(freeJson, NodeProgress.class));
    }
}
