package io.nkd.reconcile;

import io.nkd.config.ClusterDocument;
import io.nkd.config.RevisionRules;
import io.nkd.config.Topology;
import io.nkd.infra.BuiltInProviders;
import io.nkd.infra.MachineChanges;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import io.nkd.state.Sensitivity;
import io.nkd.status.Reasons;
import io.nkd.yaml.YamlBinder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** The reconcile steps, in order. Each says which facts of the scope it fills. */
final class Steps {
    static final String APPLIED_CLUSTER_FILE = "applied/cluster.yaml";
    /**
     * The cluster.yaml of the latest commit whose machines nkd started to reconcile, written before the first provider
     * call: a first commit that fails midway (a quota hit at the third machine) never writes {@link #APPLIED_CLUSTER_FILE},
     * yet its first machines exist, and {@code nkd destroy} must still know where they are.
     */
    static final String PROVISIONING_CLUSTER_FILE = "applied/provisioning.yaml";

    private Steps() {
    }

    static List<Step> all(Collaborators c) {
        return List.of(new SelectCluster(), new CheckChange(), new EnsureSecrets(c), new RenderAndPublish(c), new ConnectCluster(c),
                new EnsureJoinToken(c), new ReconcileMachines(c), new ObserveCluster(c), new RevokeJoinedTokens(c), new ApplyAddons(c), new RolloutUpdates(c));
    }

    /** Fills loaded, removed, paused, appliedSpec. A cluster that is invalid at this commit stalls here. */
    static final class SelectCluster implements Step {
        @Override
        public String name() {
            return "SelectCluster";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            s.state.read(APPLIED_CLUSTER_FILE).ifPresent(bytes -> {
                var doc = YamlBinder.bind(APPLIED_CLUSTER_FILE, new String(bytes, StandardCharsets.UTF_8), ClusterDocument.class, new Report());
                s.appliedSpec = doc.value() == null ? null : doc.value().spec();
            });
            var loaded = s.config.cluster(s.cluster);
            if (loaded.isEmpty()) {
                // Safer than deleting machines: a cluster removed from Git is no longer managed; say so.
                s.removed = true;
                return false;
            }
            s.loaded = loaded.get();
            if (!s.loaded.valid()) {
                String first = s.loaded.report().entries().stream().filter(Entry::isError).limit(3)
                        .map(Entry::toString).collect(Collectors.joining("; "));
                throw new ReconcileException.Stalled(Reasons.VALIDATION_FAILED, "commit " + shortId(s.revision)
                        + " is invalid for this cluster; keeping " + describeApplied(s) + ". " + first);
            }
            s.paused = s.loaded.spec().paused();
            return !s.paused;
        }
    }

    /** Refuses unsafe steps from the applied spec (downgrade, minor skip, quorum loss). */
    static final class CheckChange implements Step {
        @Override
        public String name() {
            return "CheckChange";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            if (s.appliedSpec == null) {
                return true;
            }
            Report refusals = RevisionRules.check(s.appliedSpec, s.loaded);
            if (refusals.hasErrors()) {
                throw new ReconcileException.Stalled(Reasons.CHANGE_REFUSED, "commit " + shortId(s.revision) + " is refused; keeping "
                        + describeApplied(s) + ". " + refusals.entries().get(0));
            }
            return true;
        }
    }

    /**
     * Fills secrets (the cluster PKI, token and certificate key, generated once) and certificates, after renewing
     * those that expire within {@link io.nkd.secrets.ClusterSecrets#RENEW_BEFORE}.
     */
    record EnsureSecrets(Collaborators c) implements Step {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnsureSecrets.class);

        @Override
        public String name() {
            return "EnsureSecrets";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            try {
                s.secrets = c.secrets().ensure(s.state, s.loaded);
                // nkd's own access to the cluster (admin.conf) and what it keeps never lapse: renewed a month ahead
                for (var r : c.secrets().renewExpiring(s.state, s.cluster, s.loaded.spec(), io.nkd.secrets.ClusterSecrets.RENEW_BEFORE)) {
                    LOG.info("certificate renewed cluster={} commit={} certificate={} expiry {} → {}", s.cluster, shortId(s.revision),
                            r.path(), r.expired(), r.expires());
                }
                s.certificates = c.secrets().certificates(s.state);
                return true;
            } catch (RuntimeException e) {
                throw new ReconcileException.Stalled(Reasons.SECRETS_FAILED, e.getMessage());
            }
        }
    }

    /** Fills rendered, and publishes the configs to the Ignition server before any machine needs them. */
    record RenderAndPublish(Collaborators c) implements Step {
        @Override
        public String name() {
            return "Render";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            RenderedCluster rendered = ClusterRenderer.render(s.loaded, s.config.images(), s.secrets);
            if (!rendered.ok()) {
                throw new ReconcileException.Stalled(Reasons.RENDER_FAILED, rendered.report().entries().get(0).toString());
            }
            s.rendered = rendered;
            c.publisher().publish(s.state, rendered);
            return true;
        }
    }

    /**
     * Makes the cluster's machines match Git, as {@link MachineChanges} computes it from what the provider lists (the
     * same computation {@code nkd plan} shows), in this order: deletes (newest first; tokens revoked), orphans pruned
     * when spec.machinePolicy.prune allows, creates (with the pool's current rendered version), then at most one
     * replacement when spec.machinePolicy.replace allows, and only once every other machine is active (the next one
     * comes on a later pass). Fills machines and what it did: created, deleted, replaced, pruned, orphansKept,
     * replacementsHeld, replacementsWaiting. A machine is deleted only once its node is out of Kubernetes (NodeDrains: cordoned,
     * drained, the Node deleted); until then it waits (draining, drainBlocked) and the rest of the pass goes on. On a
     * running cluster, machines are created with node overlays that carry the fresh bootstrap token (EnsureJoinToken).
     */
    record ReconcileMachines(Collaborators c) implements Step {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReconcileMachines.class);

        @Override
        public String name() {
            return "ReconcileMachines";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            var spec = s.loaded.spec();
            var type = spec.infrastructure().provider();
            // every provider call goes through ProviderCalls: it records progress and turns failures into conditions
            Provider provider = s.calls.wrap(c.providers().forInfrastructure(spec.infrastructure()).orElseThrow(() -> new ReconcileException.Stalled(
                    Reasons.PROVISIONING_FAILED, BuiltInProviders.unavailable(type))));
            byte[] clusterYaml = s.snapshot.files().get("clusters/" + s.cluster + "/cluster.yaml");
            if (!java.util.Arrays.equals(s.state.read(PROVISIONING_CLUSTER_FILE).orElse(null), clusterYaml)) {
                s.state.write(PROVISIONING_CLUSTER_FILE, clusterYaml, Sensitivity.PUBLIC);
            }
            try {
                // failed machines due for another try are deleted here, so the creates below build them again
                List<ProvisionedMachine> listed = s.calls.recreateFailed(s.state, provider, provider.list(s.cluster));
                MachineChanges changes = MachineChanges.of(listed.stream().map(MachineChanges.Existing::of).toList(),
                        MachineChanges.Desired.of(Topology.nodes(s.cluster, spec), spec.infrastructure()), spec.pools(),
                        spec.machinePolicy());
                for (MachineChanges.Existing m : changes.delete()) {
                    if (delete(provider, s, m, "Git no longer asks for it in pool " + m.pool())) {
                        s.deleted++;
                    }
                }
                for (MachineChanges.Existing m : changes.prune()) {
                    if (delete(provider, s, m, "orphan: pool " + m.pool() + " is not in Git and spec.machinePolicy.prune is true")) {
                        s.pruned.add(m.name());
                    }
                }
                for (MachineChanges.Existing m : changes.orphansKept()) {
                    LOG.info("orphan machine kept cluster={} machine={} pool={}: its pool is not in Git and spec.machinePolicy.prune "
                            + "is false", s.cluster, m.name(), m.pool());
                    s.orphansKept.add(m.name());
                }
                if (s.joinTokenFailure != null && !changes.create().isEmpty()) {
                    throw s.joinTokenFailure;
                }
                for (MachineChanges.Desired d : changes.create()) {
                    create(provider, s, d);
                    s.created++;
                }
                changes.replace().stream().filter(r -> !r.allowed()).forEach(r -> s.replacementsHeld.add(r.existing().name()));
                boolean acted = !changes.create().isEmpty() || !changes.delete().isEmpty() || !changes.prune().isEmpty();
                List<ProvisionedMachine> now = acted ? provider.list(s.cluster) : listed;
                MachineChanges.Turn turn = changes.nextReplacement(now.stream()
                        .collect(Collectors.toMap(ProvisionedMachine::name, ProvisionedMachine::state, (a, b) -> a)));
                if (turn instanceof MachineChanges.Turn.Replace r) {
                    if (s.joinTokenFailure != null) {
                        throw s.joinTokenFailure;
                    }
                    replace(provider, s, r.replacement());
                    now = provider.list(s.cluster);
                } else if (turn instanceof MachineChanges.Turn.Wait w) {
                    s.replacementsWaiting = w.reason();
                    LOG.info("cluster={}: {}", s.cluster, w.reason());
                }
                s.machines.addAll(now);
            } catch (io.nkd.state.StateException e) {
                // nkd's own state failed (a corrupt record, a full disk), not the provider: the reconciler reports it
                // as StateCorrupt / StateWriteFailed with the file and what to do
                throw e;
            } catch (RuntimeException e) {
                throw s.calls.failure(provider.name(), e);
            }
            c.bootConfigs().retainOnly(s.state, s.machines.stream().map(ProvisionedMachine::name).collect(Collectors.toSet()));
            NodeDrains.retainOnly(s, s.machines.stream().map(ProvisionedMachine::name).collect(Collectors.toSet()));
            NodeDrains.removeLeftovers(s, s.machines.stream().map(ProvisionedMachine::name).collect(Collectors.toSet()));
            s.state.write(APPLIED_CLUSTER_FILE, s.snapshot.files().get("clusters/" + s.cluster + "/cluster.yaml"), Sensitivity.PUBLIC);
            return true;
        }

        /**
         * The old machine goes first, then the new one is created under the same name, because a node name can be held
         * by one machine only (it is the host name, the Kubernetes node name and the key of the node's token). When the
         * provider still lists the old machine (an asynchronous delete), the creation waits for a later pass, where the
         * name shows up as missing and is created like any other.
         */
        private void replace(Provider provider, Scope s, MachineChanges.Replacement r) {
            if (!delete(provider, s, r.existing(), "replacement: " + String.join("; ", r.changes()))) {
                return; // its node is being drained: the new machine comes on a later pass
            }
            s.replaced.add(r.existing().name());
            if (provider.list(s.cluster).stream().noneMatch(m -> m.name().equals(r.desired().name()))) {
                create(provider, s, r.desired());
            }
        }

        private void create(Provider provider, Scope s, MachineChanges.Desired d) {
            EnsureJoinToken.overlays(c, s); // on a running cluster, the node overlay carries the fresh bootstrap token
            String pool = d.pool();
            String poolVersion = s.rendered.versions().get(pool);
            String nodeVersion = s.rendered.nodes().stream().filter(n -> n.name().equals(d.name())).map(RenderedConfig::version)
                    .findFirst().orElse(null);
            String pointer = c.bootConfigs().pointer(s.state, pool, d.name(), poolVersion, nodeVersion);
            provider.create(new MachineRequest(s.cluster, pool, d.name(), d.node().pool().role(), s.revision, poolVersion,
                    d.node().pool().machine(), d.spec(), pointer));
        }

        /**
         * Deletes the machine once its node is out of Kubernetes ({@link NodeDrains}: cordoned, drained, the Node and a
         * control-plane node's etcd member deleted); until then it waits and this returns false.
         */
        private boolean delete(Provider provider, Scope s, MachineChanges.Existing m, String why) {
            // an orphan's pool is only in the spec applied before; NodeRemovals also reads the Node's role label
            boolean controlPlane = java.util.stream.Stream.concat(s.loaded.spec().pools().stream(),
                            s.appliedSpec == null ? java.util.stream.Stream.empty() : s.appliedSpec.pools().stream())
                    .filter(p -> p.name().equals(m.pool())).findFirst()
                    .map(p -> p.role() == io.nkd.config.NodePool.Role.CONTROL_PLANE).orElse(false);
            if (!NodeDrains.readyToDelete(s, m.name(), controlPlane)) {
                return false;
            }
            LOG.info("deleting machine cluster={} commit={} machine={} pool={}{}: {}", s.cluster, shortId(s.revision), m.name(),
                    m.pool(), s.undrained.contains(m.name()) ? " (WITHOUT draining: the cluster's API cannot be reached)"
                            : " (its node is drained and out of Kubernetes)", why);
            provider.delete(s.cluster, m.name());
            c.bootConfigs().revoke(s.state, m.name());
            return true;
        }
    }

    static String shortId(String revision) {
        return io.nkd.config.Snapshot.shortId(revision);
    }

    private static String describeApplied(Scope s) {
        return s.previous.appliedRevision() == null ? "nothing applied yet" : "the last good commit " + shortId(s.previous.appliedRevision());
    }
}
