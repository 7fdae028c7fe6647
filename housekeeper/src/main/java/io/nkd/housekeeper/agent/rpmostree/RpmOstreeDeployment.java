package io.nkd.housekeeper.agent.rpmostree;

import io.nkd.housekeeper.api.OsDeployment;

/**
 * One entry of {@code rpm-ostree status --json}'s {@code deployments}, in rpm-ostree's order (the first one is what
 * the next boot starts).
 *
 * @param os     image, digest, checksum and version as the contract reports them
 * @param booted the running deployment
 * @param staged staged for the next boot (finalised at shutdown)
 */
public record RpmOstreeDeployment(OsDeployment os, boolean booted, boolean staged) {
}
