/**
 * Ignition's config merge (coreos/ignition v2.26.0 {@code config/merge}) over JSON trees, entry point
 * {@link io.nkd.ignition.merge.IgnitionMerger}, with a {@link io.nkd.ignition.merge.Transcript} that
 * maps every output path back to the parent or child input it came from.
 */
package io.nkd.ignition.merge;
