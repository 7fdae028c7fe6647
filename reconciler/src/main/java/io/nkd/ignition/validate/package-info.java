/**
 * Ignition's semantic config validation (coreos/ignition v2.26.0, spec 3.0.0 to 3.6.0), entry point
 * {@link io.nkd.ignition.validate.IgnitionValidator}. Codes and texts are Ignition's
 * ({@link io.nkd.ignition.validate.IgnitionMessages}); the Go library behaviour the rules depend on
 * (path.Clean, net/url parsing, go-systemd unit parsing) is reproduced in package-private classes, and
 * data-URL decoding in {@link io.nkd.dataurl.DataUrl} (shared with the plan and the providers), so that
 * verdicts match Ignition's, not Java's. Ignition has no range check on {@code ignition.timeouts} and no
 * rule on user or group names beyond duplicates, so neither has one.
 */
package io.nkd.ignition.validate;
