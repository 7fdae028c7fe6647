package io.nkd.state;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Whether a state file is secret; decides its mode. Only the caller knows, so every write says. */
public enum Sensitivity {
    /** Keys, tokens, kubeconfigs: mode 0600. */
    SECRET("rw-------"),
    /** Certificates, status, revisions: mode 0644 (the directories above stay 0700 regardless). */
    PUBLIC("rw-r--r--");

    private final Set<PosixFilePermission> permissions;

    Sensitivity(String mode) {
        this.permissions = Set.copyOf(PosixFilePermissions.fromString(mode));
    }

    /** The exact permissions a file written with this sensitivity gets. */
    public Set<PosixFilePermission> permissions() {
        return permissions;
    }
}
