package io.nkd.housekeeper.operator;

import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.rollout.NodeAction;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON merge patch of one Node for the actions the planner decided for it: only the operator's keys (the
 * {@code upgrading} and {@code upgradeCompleted} labels, the assignment and retry annotations), so that the agent's
 * report and cordon, and everything else on the Node, are never overwritten.
 *
 * @param node        the Node
 * @param labels      label → value, null to remove
 * @param annotations annotation → value, null to remove
 * @param assignment  the assignment annotation's value after the patch (null: none), for the controller's expectations
 */
record NodePatch(String node, Map<String, String> labels, Map<String, String> annotations, String assignment) {

    static NodePatch of(String node, List<NodeAction> actions) {
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        for (NodeAction action : actions) {
            if (!action.node().equals(node)) {
                throw new IllegalArgumentException("action " + action + " is not for node " + node);
            }
            if (action instanceof NodeAction.Assign a) {
                labels.put(NodeKeys.UPGRADING_LABEL, "");
                annotations.put(NodeKeys.ASSIGNMENT_ANNOTATION, ContractJson.write(a.assignment()));
                annotations.put(NodeKeys.RETRY_ANNOTATION, null); // answered (removing an absent key is a no-op)
            } else if (action instanceof NodeAction.Release) {
                labels.put(NodeKeys.UPGRADING_LABEL, null);
                annotations.put(NodeKeys.ASSIGNMENT_ANNOTATION, null);
            } else if (action instanceof NodeAction.ClearCompleted) {
                labels.put(NodeKeys.UPGRADE_COMPLETED_LABEL, null);
            } else if (action instanceof NodeAction.ClearRetry) {
                annotations.put(NodeKeys.RETRY_ANNOTATION, null);
            } else {
                throw new IllegalStateException("unknown node action " + action);
            }
        }
        return new NodePatch(node, labels, annotations, annotations.containsKey(NodeKeys.ASSIGNMENT_ANNOTATION)
                ? annotations.get(NodeKeys.ASSIGNMENT_ANNOTATION) : null);
    }

    /** Whether the patch sets or removes the assignment (then the controller waits to see it in its cache). */
    boolean touchesAssignment() {
        return annotations.containsKey(NodeKeys.ASSIGNMENT_ANNOTATION);
    }

    /** {"metadata":{"labels":{…},"annotations":{…}}} with nulls kept: null removes a key in a merge patch. */
    String json() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (!labels.isEmpty()) {
            metadata.put("labels", labels);
        }
        if (!annotations.isEmpty()) {
            metadata.put("annotations", annotations);
        }
        return JSON.write(Map.of("metadata", metadata));
    }

    /** Jackson that writes null map values (ContractJson leaves them out of records, not of maps). */
    private static final class JSON {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper();

        static String write(Object value) {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write a node patch", e);
            }
        }
    }
}
