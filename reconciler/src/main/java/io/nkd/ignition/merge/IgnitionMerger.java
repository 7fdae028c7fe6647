package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.report.Path;
import java.util.Optional;

/** TEMPORARY STUB — replaced by the real merger from branch ignition-vm. */
public final class IgnitionMerger {
    private IgnitionMerger() {
    }

    public static MergeResult merge(JsonNode parent, JsonNode child) {
        ObjectNode out = ((ObjectNode) parent).deepCopy();
        child.fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue().deepCopy()));
        return new MergeResult(out, new Transcript());
    }
}
