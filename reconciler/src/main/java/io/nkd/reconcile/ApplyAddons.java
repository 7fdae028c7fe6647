package io.nkd.reconcile;

import io.nkd.addons.ManifestSet;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ClusterApiException;
import io.nkd.config.AddonManifests;
import io.nkd.state.Sensitivity;
import io.nkd.status.AddonsStatus;
import io.nkd.status.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Once the cluster's API is up (ObserveCluster saw {@code /readyz} answer): the add-ons (the Housekeeper first when
 * {@code spec.housekeeper.enabled}, then {@code spec.addons}) with server-side apply, each object on its own, pruning
 * only add-ons with {@code prune: true}. It applies when the manifests' digest differs from the last apply that went
 * through (kept in the cluster's state, {@value #RECORD}), when the last apply left errors or objects waiting, and every
 * {@link #DRIFT_INTERVAL} to undo changes made behind Git's back. Fills addons. Apply errors never stop the reconcile:
 * machines and rollouts go on, and the status says what failed ({@code AddonsApplied}, Ready=False).
 */
record ApplyAddons(Collaborators c) implements Step {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApplyAddons.class);
    /** What the last apply was: the commit, the digest, when, and whether anything was left to do. */
    static final String RECORD = "addons/applied.json";
    /** How often add-ons are applied again with nothing changed in Git: drift correction, as Flux's interval. */
    static final Duration DRIFT_INTERVAL = Duration.ofMinutes(10);
    /** How soon an apply with errors is tried again. */
    static final Duration RETRY_FAILED = Duration.ofSeconds(30);
    /** How soon custom resources waiting for their definition are tried again. */
    static final Duration RETRY_WAITING = Duration.ofSeconds(5);

    /** The last apply, as kept in the cluster's state. */
    record Applied(String revision, String digest, Instant at, boolean complete) {
    }

    @Override
    public String name() {
        return "ApplyAddons";
    }

    /** Whether this reconcile could apply: the API answers. When not, status says WaitingForApiServer. */
    static boolean apiUp(Scope s) {
        return s.workload != null && s.observed != null && s.observed.apiReady();
    }

    @Override
    public boolean run(Scope s) throws ReconcileException {
        if (!apiUp(s)) {
            return true;
        }
        ManifestSet set = AddonManifests.read(s.cluster, s.loaded.spec(), s.snapshot);
        if (!set.ok()) {
            // validation (SelectCluster) refuses such a commit first; this keeps a bad set from ever reaching the cluster
            throw new ReconcileException.Stalled(Reasons.VALIDATION_FAILED, set.report().entries().get(0).toString());
        }
        Instant now = s.calls.clock().instant();
        Applied last = s.state.readJson(RECORD, Applied.class, io.nkd.state.Recovery.REGENERATED).orElse(null);
        String why = last == null ? "first apply" : !last.digest().equals(set.digest()) ? "manifests changed"
                : !last.complete() ? "the last apply left errors or waiting objects"
                : !now.isBefore(last.at().plus(DRIFT_INTERVAL)) ? "drift correction (every " + DRIFT_INTERVAL.toMinutes() + " min)" : null;
        if (why == null) {
            s.addons = s.previous.addons();
            return true;
        }
        if (set.addons().isEmpty() && last == null) {
            return true; // no add-ons, and none applied before that could need pruning
        }
        LOG.info("applying add-ons cluster={} commit={} objects={} digest={}: {}", s.cluster, Steps.shortId(s.revision),
                set.objects().size(), set.digest().substring(0, 19), why);
        Addons.ApplyReport report;
        try {
            report = s.workload.addons().apply(set.objects().stream().map(o -> new Addons.ManifestObject(o.addon(), o.file(), o.line(),
                    o.apiVersion(), o.kind(), o.namespace(), o.name(), o.json())).toList(), set.pruneFlags());
        } catch (RuntimeException e) {
            // the API answered /readyz but failed here (its discovery, the inventory), or the client did: an add-on error
            // like any other, not a failed commit; the record says incomplete, so the next pass (30 s) applies again
            LOG.warn("add-ons not applied cluster={} commit={}: {}", s.cluster, Steps.shortId(s.revision), e.toString());
            String object = e instanceof ClusterApiException c ? c.object() : "add-ons";
            String message = e instanceof ClusterApiException ? e.getMessage() : "not applied: " + e;
            s.addons = new AddonsStatus(s.revision, set.digest(), set.objects().size(), 0,
                    List.of(new AddonsStatus.AddonError(null, object, null, message)), List.of(), List.of(), now);
            s.addonsApplied = true;
            s.state.writeJson(RECORD, new Applied(s.revision, set.digest(), now, false), Sensitivity.PUBLIC);
            return true;
        }
        List<AddonsStatus.AddonError> errors = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        int applied = 0;
        for (Addons.ObjectResult r : report.results()) {
            Addons.ManifestObject o = r.object();
            switch (r.outcome()) {
                case APPLIED -> applied++;
                case WAITING -> waiting.add(o.describe() + ": " + r.message());
                case FAILED -> {
                    errors.add(new AddonsStatus.AddonError(o.addon(), o.describe(), o.where(), r.message()));
                    LOG.warn("add-on object not applied cluster={} commit={} addon={} object=\"{}\" source={}: {}", s.cluster,
                            Steps.shortId(s.revision), o.addon(), o.describe(), o.where(), r.message());
                }
            }
        }
        for (Addons.PruneError p : report.pruneErrors()) {
            errors.add(new AddonsStatus.AddonError(p.addon(), p.object(), null, "not pruned: " + p.message()));
        }
        report.pruned().forEach(p -> LOG.info("pruned add-on object cluster={} commit={}: {}", s.cluster, Steps.shortId(s.revision), p));
        s.addons = new AddonsStatus(s.revision, set.digest(), set.objects().size(), applied, errors, waiting, report.pruned(), now);
        s.addonsApplied = true;
        s.state.writeJson(RECORD, new Applied(s.revision, set.digest(), now, s.addons.complete()), Sensitivity.PUBLIC);
        LOG.info("add-ons applied cluster={} commit={} applied={}/{} waiting={} errors={} pruned={}", s.cluster, Steps.shortId(s.revision),
                applied, set.objects().size(), waiting.size(), errors.size(), report.pruned().size());
        return true;
    }

    /**
     * When the add-ons want the next reconcile: soon while objects wait for their definition or failed, else after the
     * drift interval; the shorter of that and what the reconcile asked for already.
     */
    static Duration nextPass(Scope s, Duration retry) {
        if (s.addons == null || s.failure != null) {
            return retry;
        }
        Duration mine = !s.addons.errors().isEmpty() ? RETRY_FAILED : !s.addons.waiting().isEmpty() ? RETRY_WAITING : DRIFT_INTERVAL;
        return retry == null || mine.compareTo(retry) < 0 ? mine : retry;
    }
}
