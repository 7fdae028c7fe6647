package io.nkd.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The plan for tools. Each action is its record's components plus {@code "type"} (the record's name), so the
 * JSON shape is the Java API's; enums are lower case. Stable keys: base, head, exitCode, hasChanges, hasErrors,
 * summary, tally, repositoryErrors, clusters[].{cluster,status,baseVersions,headVersions,notes,actions}.
 */
final class JsonPrinter {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING);
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private JsonPrinter() {
    }

    static ObjectNode tree(Plan plan) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("base", plan.baseRevision());
        root.put("head", plan.headRevision());
        root.put("exitCode", plan.exitCode());
        root.put("hasChanges", plan.hasChanges());
        root.put("hasErrors", plan.hasErrors());
        root.put("summary", PlanFormat.summary(plan));
        root.set("tally", MAPPER.valueToTree(plan.tally()));
        ArrayNode repo = root.putArray("repositoryErrors");
        plan.repositoryErrors().forEach(r -> repo.add(action(r)));
        ArrayNode clusters = root.putArray("clusters");
        for (ClusterPlan c : plan.clusters()) {
            ObjectNode node = clusters.addObject();
            node.put("cluster", c.cluster());
            node.put("status", c.status().toString());
            node.set("baseVersions", MAPPER.valueToTree(c.baseVersions()));
            node.set("headVersions", MAPPER.valueToTree(c.headVersions()));
            node.set("notes", MAPPER.valueToTree(c.notes()));
            ArrayNode actions = node.putArray("actions");
            c.actions().forEach(a -> actions.add(action(a)));
        }
        return root;
    }

    static String print(Plan plan) {
        try {
            return MAPPER.writer(PRETTY).writeValueAsString(tree(plan)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode action(Action a) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("type", a.getClass().getSimpleName());
        node.setAll((ObjectNode) MAPPER.valueToTree(a));
        node.put("effect", a.effect().toString());
        node.put("reason", a.reason());
        node.put("summary", a.summary());
        if (a instanceof Action.Refusal r) {
            node.put("location", r.location());
        }
        return node;
    }
}
