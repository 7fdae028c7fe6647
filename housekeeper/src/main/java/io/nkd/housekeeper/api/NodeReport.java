package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * What a node's agent reports on its Node, as JSON in {@link NodeKeys#REPORT_ANNOTATION}: the OS deployments and the
 * kubelet version as the host reports them (the operator decides from these, never from labels), and where the agent
 * stands with its current assignment.
 *
 * @param booted          the booted deployment
 * @param staged          the deployment staged for the next boot, or null
 * @param rollback        the previous deployment that {@code rpm-ostree rollback} would boot, or null
 * @param kubeletVersion  {@code kubelet --version} on the host
 * @param state           what the agent is doing
 * @param assignment      {@link NodeAssignment#id()} that {@code state} refers to, or null when idle without one
 * @param failureReason   set when {@code state} is FAILED
 * @param message         a human sentence: the step's progress or the failure (no secrets)
 * @param blockedBy       while Draining: the PodDisruptionBudgets refusing evictions now (nkd only); empty otherwise,
 *                        and then absent from the JSON
 * @param since           RFC 3339 time {@code state} was entered
 * @param cordonedByAgent the agent cordoned the node (and so uncordons it when done); false if it found it cordoned
 * @param lastCommand     the last host command, or null
 * @param agentVersion    the agent's version
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeReport(OsDeployment booted, OsDeployment staged, OsDeployment rollback, String kubeletVersion,
                         AgentState state, String assignment, FailureReason failureReason, String message,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<DisruptionBudgetBlock> blockedBy,
                         String since, boolean cordonedByAgent, CommandRecord lastCommand, String agentVersion) {
    public NodeReport {
        // an older agent's report has no blockedBy: read as empty, written as absent (NON_EMPTY)
        blockedBy = blockedBy == null ? List.of() : List.copyOf(blockedBy);
    }

    /** A report with nothing blocking a drain (every state but a blocked Draining). */
    public NodeReport(OsDeployment booted, OsDeployment staged, OsDeployment rollback, String kubeletVersion,
                      AgentState state, String assignment, FailureReason failureReason, String message, String since,
                      boolean cordonedByAgent, CommandRecord lastCommand, String agentVersion) {
        this(booted, staged, rollback, kubeletVersion, state, assignment, failureReason, message, List.of(), since,
                cordonedByAgent, lastCommand, agentVersion);
    }
}
