package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A merged config and the record of where each of its parts came from. */
public record MergeResult(ObjectNode config, Transcript transcript) {
}
