package io.nkd.render;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One rendered Ignition config: a pool's (version {@code rendered-<pool>-<hash>}) or a node overlay's.
 *
 * @param version content id computed with secrets replaced by placeholders
 */
public record RenderedConfig(String name, String version, ObjectNode config) {
}
