package io.nkd.reconcile;

/**
 * Writes the Housekeeper's Update when the applied commit changes the OS image or the Kubernetes version (inside the maintenance window), and reads its progress; fills rollout.
 * <p>Skeleton: filled in by the "upgrades" work of issue 10.
 */
record RolloutUpdates(Collaborators c) implements Step {
    @Override
    public String name() {
        return "RolloutUpdates";
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        return true;
    }
}
