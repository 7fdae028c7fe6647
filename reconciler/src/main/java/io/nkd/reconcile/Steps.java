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
import java.util.Map;
import java.util.stream.Collectors;

/** The reconcile steps, in order. Each says which facts of the scope it fills. */
final class Steps {
    static final String APPLIED_CLUSTER_FILE = "applied/cluster.yaml";

    private Steps() {
    }

    static List<Step> all(Collaborators c) {
        return List.of(new SelectCluster(), new CheckChange(), new EnsureSecrets(c), new RenderAndPublish(c), new ReconcileMachines(c));
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

    /** Fills secrets: the cluster PKI, token and certificate key, generated once. */
    record EnsureSecrets(Collaborators c) implements Step {
        @Override
        public String name() {
            return "EnsureSecrets";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            try {
                s.secrets = c.secrets().ensure(s.state, s.loaded);
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
     * Creates the machines the topology lacks and deletes the ones it no longer has, as {@link MachineChanges}
     * computes it (the same computation {@code nkd plan} shows); fills machines. A kept machine is left as it
     * is, even when Git changed its address, size or pool: replacing it needs the Housekeeper to drain it.
     */
    record ReconcileMachines(Collaborators c) implements Step {
        @Override
        public String name() {
            return "ReconcileMachines";
        }

        @Override
        public boolean run(Scope s) throws ReconcileException {
            var type = s.loaded.spec().infrastructure().provider();
            Provider provider = s.calls.wrap(c.providers().forInfrastructure(s.loaded.spec().infrastructure()).orElseThrow(() -> new ReconcileException.Stalled(
                    Reasons.PROVISIONING_FAILED, BuiltInProviders.unavailable(type))));
            Map<String, String> poolVersions = s.rendered.versions();
            Map<String, String> nodeVersions = s.rendered.nodes().stream()
                    .collect(Collectors.toMap(RenderedConfig::name, RenderedConfig::version));
            try {
                List<MachineChanges.Existing> existing = s.calls.recreateFailed(s.state, provider, provider.list(s.cluster)).stream()
                        .map(MachineChanges.Existing::of).toList();
                MachineChanges changes = MachineChanges.of(existing, Topology.nodes(s.cluster, s.loaded.spec()));
                for (Topology.PlannedNode n : changes.create()) {
                    String pool = n.pool().name();
                    String pointer = c.bootConfigs().pointer(s.state, pool, n.name(), poolVersions.get(pool), nodeVersions.get(n.name()));
                    provider.create(new MachineRequest(s.cluster, pool, n.name(), n.pool().role(), s.revision, poolVersions.get(pool),
                            n.pool().machine(), io.nkd.infra.MachineSpec.of(n, s.loaded.spec().infrastructure()), pointer));
                    s.created++;
                }
                for (MachineChanges.Existing m : changes.delete()) {
                    provider.delete(s.cluster, m.name());
                    c.bootConfigs().revoke(s.state, m.name());
                    s.deleted++;
                }
                s.machines.addAll(provider.list(s.cluster));
            } catch (RuntimeException e) {
                throw s.calls.failure(provider.name(), e);
            }
            c.bootConfigs().retainOnly(s.state, s.machines.stream().map(ProvisionedMachine::name).collect(Collectors.toSet()));
            s.state.write(APPLIED_CLUSTER_FILE, s.snapshot.files().get("clusters/" + s.cluster + "/cluster.yaml"), Sensitivity.PUBLIC);
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
