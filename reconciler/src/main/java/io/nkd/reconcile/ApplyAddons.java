package io.nkd.reconcile;

/**
 * Once the API is up: the add-on manifests (and the Housekeeper when housekeeper.enabled) with server-side apply; fills addons.
 * <p>Skeleton: filled in by the "addons" work of issue 10.
 */
record ApplyAddons(Collaborators c) implements Step {
    @Override
    public String name() {
        return "ApplyAddons";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        return true;
    }
}
