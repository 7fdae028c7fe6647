package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.CertificateRenewalAssignment;
import io.nkd.housekeeper.api.CertificateRenewalPhase;
import io.nkd.housekeeper.api.CertificateRenewalReport;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The renewal's decisions, node by node, from the Nodes' annotations alone. */
class CertificateRenewalsTest {
    static final String UPDATE = "housekeeper-system/nkd";
    static final Instant NOW = Instant.parse("2027-11-20T10:00:00Z");
    static final EtcdHealth HEALTHY = EtcdHealth.healthy("3 of 3 members healthy");

    static CertificateRenewals.View cp(String name, CertificateRenewalAssignment a, CertificateRenewalReport r) {
        return new CertificateRenewals.View(name, true, true, Optional.ofNullable(a), Optional.ofNullable(r), null);
    }

    static CertificateRenewalReport report(String request, CertificateRenewalState state, Instant since) {
        return new CertificateRenewalReport(request, state, state.name(), since.toString(),
                state == CertificateRenewalState.RENEWED ? "2028-11-20T10:00:00Z" : null, null, null);
    }

    static CertificateRenewalAssignment assigned(String request) {
        return new CertificateRenewalAssignment(UPDATE, request);
    }

    static CertificateRenewals.Decision plan(List<CertificateRenewals.View> nodes, EtcdHealth etcd, Optional<String> holds) {
        return CertificateRenewals.plan(UPDATE, "r2", null, nodes, etcd, holds, NOW);
    }

    @Test
    void theFirstPendingNodeInNameOrderIsAssignedWhenNothingHoldsTheControlPlane() {
        var d = plan(List.of(cp("cp-2", null, null), cp("cp-1", null, report("r1", CertificateRenewalState.RENEWED, NOW))),
                HEALTHY, Optional.empty());
        assertEquals(List.of(new CertificateRenewals.Action.Assign("cp-1", assigned("r2"))), d.actions(),
                "an earlier request's renewal does not count for a new one");
        assertEquals(CertificateRenewalPhase.PROGRESSING, d.status().phase());
        assertEquals(Optional.of("cp-1"), d.renewing());
        assertEquals("r1", d.status().nodes().get(0).renewed(), "what it renewed for last stays shown");
    }

    @Test
    void nothingStartsWhileANodeRenewsTheRolloutHoldsEtcdIsUnhealthyOrTheNodeIsNotReady() {
        var busy = plan(List.of(cp("cp-1", assigned("r2"), report("r2", CertificateRenewalState.RENEWING, NOW)),
                cp("cp-2", null, null)), HEALTHY, Optional.empty());
        assertEquals(List.of(), busy.actions());
        assertTrue(busy.status().message().contains("renewing node cp-1"), busy.status().message());

        var earlier = plan(List.of(cp("cp-1", null, report("r1", CertificateRenewalState.RENEWING, NOW)),
                cp("cp-2", null, null)), HEALTHY, Optional.empty());
        assertEquals(List.of(), earlier.actions(), "an agent still at an earlier request holds the control plane");
        assertEquals(Optional.of("cp-1"), earlier.renewing());

        var held = plan(List.of(cp("cp-1", null, null)), HEALTHY, Optional.of("control-plane node cp-1 is being updated"));
        assertEquals(List.of(), held.actions());
        assertEquals(CertificateRenewalPhase.WAITING, held.status().phase());
        assertTrue(held.status().message().startsWith("waiting for the rollout"), held.status().message());

        var etcd = plan(List.of(cp("cp-1", null, null)), EtcdHealth.unhealthy("member cp-3 unhealthy"), Optional.empty());
        assertEquals(List.of(), etcd.actions());
        assertTrue(etcd.status().message().contains("member cp-3 unhealthy"), etcd.status().message());

        var notReady = plan(List.of(new CertificateRenewals.View("cp-1", true, false, Optional.empty(), Optional.empty(), null)),
                HEALTHY, Optional.empty());
        assertEquals(List.of(), notReady.actions());
        assertTrue(notReady.status().message().contains("cp-1 to be Ready"), notReady.status().message());
    }

    @Test
    void aFinishedNodeIsReleasedAndTheNextStartsAFailedOneStopsTheRequest() {
        var next = plan(List.of(cp("cp-1", assigned("r2"), report("r2", CertificateRenewalState.RENEWED, NOW)),
                cp("cp-2", null, null)), HEALTHY, Optional.empty());
        assertEquals(List.of(new CertificateRenewals.Action.Withdraw("cp-1"),
                new CertificateRenewals.Action.Assign("cp-2", assigned("r2"))), next.actions());

        var failed = plan(List.of(cp("cp-1", assigned("r2"), new CertificateRenewalReport("r2", CertificateRenewalState.FAILED,
                "node cp-1: kubeadm certs renew all failed: 'kubeadm certs renew all' failed (exit 1): no ca.key", NOW.toString(),
                null, null, null)), cp("cp-2", null, null)), HEALTHY, Optional.empty());
        assertEquals(List.of(new CertificateRenewals.Action.Withdraw("cp-1")), failed.actions(), "cp-2 does not start");
        assertEquals(CertificateRenewalPhase.FAILED, failed.status().phase());
        assertTrue(failed.status().message().contains("exit 1") && failed.status().message().contains("new request id"),
                failed.status().message());
        assertEquals(Optional.empty(), failed.renewing());
    }

    @Test
    void aRenewalWithoutProgressForHalfAnHourFailsSoNothingWaitsForever() {
        var stuck = plan(List.of(cp("cp-1", assigned("r2"), report("r2", CertificateRenewalState.RENEWING,
                NOW.minus(Duration.ofMinutes(31))))), HEALTHY, Optional.empty());
        assertEquals(CertificateRenewalPhase.FAILED, stuck.status().phase());
        assertTrue(stuck.status().message().contains("no progress for 30 minutes"), stuck.status().message());
        assertEquals(Optional.empty(), stuck.renewing(), "the rollout is no longer held");
    }

    @Test
    void allRenewedCompletesAndAnotherRequestsAssignmentIsWithdrawn() {
        var done = plan(List.of(cp("cp-1", null, report("r2", CertificateRenewalState.RENEWED, NOW)),
                cp("cp-2", assigned("r1"), report("r2", CertificateRenewalState.RENEWED, NOW))), HEALTHY, Optional.empty());
        assertEquals(List.of(new CertificateRenewals.Action.Withdraw("cp-2")), done.actions());
        assertEquals(CertificateRenewalPhase.COMPLETED, done.status().phase());
        assertEquals(NOW.toString(), done.status().completedAt());
        assertEquals("2028-11-20T10:00:00Z", done.status().nodes().get(1).notAfter());
    }

    @Test
    void theRolloutHoldsTheControlPlaneOnlyWhileItHasControlPlaneWorkThatProgresses() {
        NodeProgress pendingCp = new NodeProgress("cp-1", NodeRole.CONTROL_PLANE, NodeUpdateState.PENDING, null, null, null,
                null, null, null);
        NodeProgress updatingWorker = new NodeProgress("w-1", NodeRole.WORKER, NodeUpdateState.UPDATING, null, null, null,
                null, null, null);
        assertTrue(CertificateRenewals.rolloutHolds(List.of(status(RolloutPhase.PROGRESSING, pendingCp))).isPresent());
        assertEquals(Optional.empty(), CertificateRenewals.rolloutHolds(List.of(status(RolloutPhase.DEGRADED, pendingCp))),
                "a halted rollout does not hold the renewal forever");
        assertEquals(Optional.empty(), CertificateRenewals.rolloutHolds(List.of(status(RolloutPhase.PAUSED, pendingCp))));
        assertEquals(Optional.empty(), CertificateRenewals.rolloutHolds(List.of(status(RolloutPhase.PROGRESSING,
                updatingWorker))), "workers do not hold it");
    }

    static UpdateStatus status(RolloutPhase phase, NodeProgress node) {
        return new UpdateStatus(phase, 1L, null, 0, 0, 1, 0, List.of(node), List.of(), null, null);
    }
}
