package io.nkd.housekeeper.agent.drain;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Evicts pods through the Eviction API, in the {@code policy} version the server serves.
 *
 * <p>fabric8 7.5.2 posts both forms to the pod's {@code eviction} subresource: {@code PodResource.evict()} builds a
 * {@code policy/v1beta1} Eviction, {@code evict(io.fabric8…policy.v1.Eviction)} sends the given {@code policy/v1}
 * one; both return false on HTTP 429 (a PodDisruptionBudget would be violated) and throw on any other error. A
 * Kubernetes 1.20 server (the test server) knows only v1beta1, a 1.25+ server only v1, so the version is discovered
 * once from {@code /apis} and cached.
 *
 * <p>fabric8's HTTP client retries every 429 (and 5xx) itself, with exponential backoff up to
 * {@code requestRetryBackoffLimit} (10) times: an eviction refused by a budget would then block for tens of seconds
 * inside one call and the drain could neither log the refusal nor keep its timeout. Evictions therefore go through a
 * client of the same configuration with that retry turned off; the drain does its own backoff.
 */
public final class Evictions implements AutoCloseable {
    /** What one eviction request did. */
    public enum Result {
        /** Accepted: the pod is being deleted gracefully. */
        EVICTED,
        /** HTTP 429: a PodDisruptionBudget does not allow the disruption now; retry later. */
        BLOCKED,
        /** The pod no longer exists. */
        GONE
    }

    private final KubernetesClient client;
    private volatile PolicyVersion version;
    private KubernetesClient noRetry;

    public Evictions(KubernetesClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The policy version to use, discovered on first use (API discovery, then cached). */
    public PolicyVersion policyVersion() {
        PolicyVersion v = version;
        if (v == null) {
            v = discover();
            version = v;
        }
        return v;
    }

    private PolicyVersion discover() {
        APIGroupList groups = client.getApiGroups();
        List<String> served = new ArrayList<>();
        if (groups != null && groups.getGroups() != null) {
            for (APIGroup g : groups.getGroups()) {
                if ("policy".equals(g.getName()) && g.getVersions() != null) {
                    g.getVersions().stream().map(GroupVersionForDiscovery::getGroupVersion).forEach(served::add);
                }
            }
        }
        if (served.contains(PolicyVersion.V1.apiVersion())) {
            return PolicyVersion.V1;
        }
        if (served.contains(PolicyVersion.V1BETA1.apiVersion())) {
            return PolicyVersion.V1BETA1;
        }
        throw new IllegalStateException("the API server serves neither policy/v1 nor policy/v1beta1 (it lists "
                + served + " for the policy group): pods cannot be evicted; is this a Kubernetes API server?");
    }

    public Result evict(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            var resource = noRetryClient().pods().inNamespace(ns).withName(name);
            boolean accepted = switch (policyVersion()) {
                case V1 -> resource.evict(new EvictionBuilder().withNewMetadata().withNamespace(ns).withName(name)
                        .endMetadata().build());
                case V1BETA1 -> resource.evict();
            };
            return accepted ? Result.EVICTED : Result.BLOCKED;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Result.GONE;
            }
            throw e;
        }
    }

    private synchronized KubernetesClient noRetryClient() {
        if (noRetry == null) {
            noRetry = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0).build()).build();
        }
        return noRetry;
    }

    @Override
    public synchronized void close() {
        if (noRetry != null) {
            noRetry.close();
            noRetry = null;
        }
    }

    /** A PodDisruptionBudget and its status as the disruption controller last computed it (null: not yet). */
    public record Budget(String namespace, String name, Integer disruptionsAllowed, Integer currentHealthy,
                         Integer desiredHealthy) {
        /** "namespace/name". */
        public String key() {
            return namespace + "/" + name;
        }

        /** "PodDisruptionBudget ns/name (N disruptions allowed, H healthy of D desired)", for messages. */
        public String describe() {
            return "PodDisruptionBudget " + key() + " (" + disruptionsAllowed + " disruptions allowed, "
                    + currentHealthy + " healthy of " + desiredHealthy + " desired)";
        }
    }

    /**
     * The PodDisruptionBudgets that select the pod, each as "namespace/name (N disruptions allowed, H healthy of D
     * desired)", for messages that say what blocked a drain.
     */
    public List<String> budgetsFor(Pod pod) {
        return budgets(pod).stream().map(Budget::describe).toList();
    }

    /** The PodDisruptionBudgets of the pod's namespace that select it (one list request). */
    public List<Budget> budgets(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        List<Budget> found = new ArrayList<>();
        if (policyVersion() == PolicyVersion.V1) {
            for (var pdb : client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems()) {
                if (selects(pdb.getSpec().getSelector(), labels)) {
                    var s = pdb.getStatus();
                    found.add(new Budget(ns, pdb.getMetadata().getName(), s == null ? null : s.getDisruptionsAllowed(),
                            s == null ? null : s.getCurrentHealthy(), s == null ? null : s.getDesiredHealthy()));
                }
            }
        } else {
            for (var pdb : client.policy().v1beta1().podDisruptionBudget().inNamespace(ns).list().getItems()) {
                if (selects(pdb.getSpec().getSelector(), labels)) {
                    var s = pdb.getStatus();
                    found.add(new Budget(ns, pdb.getMetadata().getName(), s == null ? null : s.getDisruptionsAllowed(),
                            s == null ? null : s.getCurrentHealthy(), s == null ? null : s.getDesiredHealthy()));
                }
            }
        }
        return found;
    }

    /** Label selector semantics of Kubernetes; a PDB with an empty selector selects every pod of its namespace. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String v = labels.get(r.getKey());
                List<String> values = r.getValues() == null ? List.of() : r.getValues();
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && values.contains(v);
                    case "NotIn" -> v == null || !values.contains(v);
                    case "Exists" -> labels.containsKey(r.getKey());
                    case "DoesNotExist" -> !labels.containsKey(r.getKey());
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
