package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;

public record MergeResult(ObjectNode config, Transcript transcript) {
}
