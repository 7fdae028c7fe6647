package io.nkd.state;

/**
 * What an operator can do about a corrupt state file. Only the caller knows whether nkd can recreate a
 * file, so it says so when reading; the store never promises regeneration on its own.
 */
public enum Recovery {
    /** nkd recreates the file when it is missing (status, caches, rendered output). */
    REGENERATED("Restore it from a backup of the state directory, or delete it and nkd will regenerate it"
            + " on the next reconcile."),
    /**
     * nkd cannot recreate the file, or a recreated one would differ (a CA private key: the cluster's nodes
     * trust only the old one). Deleting it loses it.
     */
    BACKUP_ONLY("Restore it from a backup of the state directory; nkd cannot regenerate it, so do not"
            + " delete it."),
    /**
     * A registry of credentials handed out (node tokens): restoring keeps them working; deleting revokes them
     * all, which machines that already used theirs survive.
     */
    REVOKES_ACCESS("Restore it from a backup of the state directory. Without one, delete it: every token it held"
            + " is revoked; machines that have booted are not affected, machines still booting cannot fetch their"
            + " configs and must be re-created (delete them in the provider; nkd creates them again)."),
    /** The caller does not say: advice that is correct either way. */
    UNSPECIFIED("Restore it from a backup of the state directory; delete it only if you know nkd"
            + " recreates it.");

    private final String advice;

    Recovery(String advice) {
        this.advice = advice;
    }

    /** One or two sentences for the operator, ending with a full stop. */
    public String advice() {
        return advice;
    }
}
