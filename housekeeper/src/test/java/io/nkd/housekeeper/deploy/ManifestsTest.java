package io.nkd.housekeeper.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nkd.housekeeper.api.Update;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manifests of templates/housekeeper as files: they parse, hold the objects the Housekeeper needs, and refer to
 * each other consistently (service accounts, role references, environment variables in arguments). What the API
 * server says of them is ManifestsOnServerTest's part.
 */
class ManifestsTest {
    private static KubernetesClient parser;
    private static List<HasMetadata> all;

    @BeforeAll
    static void load() {
        parser = new KubernetesClientBuilder().build(); // parses only: no request is sent
        all = Manifests.load(parser);
    }

    @AfterAll
    static void close() {
        parser.close();
    }

    @Test
    void holdsExactlyTheHousekeepersObjects() {
        Map<String, Long> kinds = all.stream().collect(Collectors.groupingBy(HasMetadata::getKind, TreeMap::new,
                Collectors.counting()));
        assertEquals(new TreeMap<>(Map.of("Namespace", 1L, "CustomResourceDefinition", 1L, "ServiceAccount", 2L,
                "ClusterRole", 2L, "ClusterRoleBinding", 2L, "Role", 3L, "RoleBinding", 3L, "Deployment", 1L,
                "DaemonSet", 1L)), kinds);
        assertEquals(Update.CRD_NAME, Manifests.ofKind(all, CustomResourceDefinition.class).get(0).getMetadata().getName());
        assertEquals(Manifests.NAMESPACE, Manifests.ofKind(all, Namespace.class).get(0).getMetadata().getName());
    }

    @Test
    void theNamespaceComesFirstAndTheWorkloadsLast() {
        // kubectl apply -f DIR reads the files in name order: the namespace must exist before what lives in it, the
        // CRD and the RBAC before the workloads that need them
        List<String> order = all.stream().map(HasMetadata::getKind).toList();
        assertEquals("Namespace", order.get(0), "first object: " + order);
        assertTrue(order.indexOf("CustomResourceDefinition") < order.indexOf("Deployment"), order.toString());
        assertTrue(order.lastIndexOf("RoleBinding") < order.indexOf("Deployment"), order.toString());
        assertTrue(order.lastIndexOf("ClusterRoleBinding") < order.indexOf("DaemonSet"), order.toString());
    }

    @Test
    void namespacedObjectsLiveInHousekeeperSystemExceptTheEtcdCheckAndNodeEvents() {
        for (HasMetadata o : all) {
            String ns = o.getMetadata().getNamespace();
            if (o instanceof Namespace || o instanceof CustomResourceDefinition || o instanceof ClusterRole
                    || o instanceof ClusterRoleBinding) {
                assertEquals(null, ns, o.getKind() + " " + o.getMetadata().getName() + " is cluster-scoped");
            } else if (o.getMetadata().getName().equals("housekeeper-operator-etcd-check")) {
                assertEquals("kube-system", ns, "the etcd check reads pods in kube-system only");
            } else if (o.getMetadata().getName().equals("housekeeper-operator-node-events")) {
                assertEquals("default", ns, "Events about Nodes go to namespace default");
            } else {
                assertEquals(Manifests.NAMESPACE, ns, o.getKind() + " " + o.getMetadata().getName());
            }
        }
    }

    @Test
    void workloadsRunAsTheServiceAccountsTheRbacBinds() {
        Set<String> accounts = Manifests.ofKind(all, ServiceAccount.class).stream()
                .map(sa -> sa.getMetadata().getNamespace() + "/" + sa.getMetadata().getName()).collect(Collectors.toSet());
        Deployment operator = Manifests.one(all, Deployment.class, "housekeeper-operator");
        DaemonSet agent = Manifests.one(all, DaemonSet.class, "housekeeper-agent");
        assertEquals("housekeeper-operator", operator.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals("housekeeper-agent", agent.getSpec().getTemplate().getSpec().getServiceAccountName());
        for (HasMetadata w : List.<HasMetadata>of(operator, agent)) {
            PodSpec pod = w instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
                    : ((DaemonSet) w).getSpec().getTemplate().getSpec();
            assertTrue(accounts.contains(w.getMetadata().getNamespace() + "/" + pod.getServiceAccountName()),
                    w.getKind() + " " + w.getMetadata().getName() + " runs as " + pod.getServiceAccountName()
                            + ", which templates/housekeeper does not create");
        }
        List<Subject> subjects = new ArrayList<>();
        List<RoleRef> refs = new ArrayList<>();
        for (ClusterRoleBinding b : Manifests.ofKind(all, ClusterRoleBinding.class)) {
            subjects.addAll(b.getSubjects());
            refs.add(b.getRoleRef());
            assertEquals("ClusterRole", b.getRoleRef().getKind());
            Manifests.one(all, ClusterRole.class, b.getRoleRef().getName());
        }
        for (RoleBinding b : Manifests.ofKind(all, RoleBinding.class)) {
            subjects.addAll(b.getSubjects());
            assertEquals("Role", b.getRoleRef().getKind());
            Role role = Manifests.one(all, Role.class, b.getRoleRef().getName());
            assertEquals(b.getMetadata().getNamespace(), role.getMetadata().getNamespace(),
                    "RoleBinding " + b.getMetadata().getName() + " and its Role share a namespace");
        }
        for (Subject s : subjects) {
            assertEquals("ServiceAccount", s.getKind());
            assertTrue(accounts.contains(s.getNamespace() + "/" + s.getName()), "a binding names ServiceAccount "
                    + s.getNamespace() + "/" + s.getName() + ", which templates/housekeeper does not create");
        }
        // each account is bound, and only to its own component's roles
        for (String account : accounts) {
            String name = account.substring(account.indexOf('/') + 1);
            assertTrue(subjects.stream().anyMatch(s -> s.getName().equals(name)), account + " is bound to no role");
        }
    }

    @Test
    void theOperatorIsTwoReplicasWithLeaderElectionAndLocksDown() {
        Deployment d = Manifests.one(all, Deployment.class, "housekeeper-operator");
        assertEquals(2, d.getSpec().getReplicas());
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals("operator", c.getArgs().get(0));
        assertEquals("$(POD_NAMESPACE)", argAfter(c, "--namespace"));
        assertEquals("$(POD_NAME)", argAfter(c, "--identity"));
        assertEquals("housekeeper-operator", argAfter(c, "--lease-name"));
        assertEquals("metadata.name", fieldRef(c, "POD_NAME"));
        assertEquals("metadata.namespace", fieldRef(c, "POD_NAMESPACE"));
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertTrue(c.getLivenessProbe() != null && c.getReadinessProbe() != null, "probes");
        assertTrue(c.getResources().getRequests().containsKey("memory") && c.getResources().getLimits().containsKey("memory"));
    }

    @Test
    void theAgentRunsPrivilegedOnEveryNode() {
        DaemonSet ds = Manifests.one(all, DaemonSet.class, "housekeeper-agent");
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals(List.of("agent", "--node", "$(NODE_NAME)"), c.getArgs().subList(0, 3));
        assertEquals("spec.nodeName", fieldRef(c, "NODE_NAME"));
        assertTrue(pod.getHostPID(), "nsenter --target 1 needs the host PID namespace");
        assertTrue(c.getSecurityContext().getPrivileged());
        assertEquals(0L, c.getSecurityContext().getRunAsUser(), "the agent overrides the image's non-root user");
        assertEquals("system-node-critical", pod.getPriorityClassName());
        // one toleration without a key and with operator Exists tolerates every taint (control plane, NoExecute, ...)
        Toleration all = pod.getTolerations().stream().filter(t -> t.getKey() == null && "Exists".equals(t.getOperator())
                && t.getEffect() == null).findFirst().orElseThrow(() -> new AssertionError("no toleration of every "
                + "taint: " + pod.getTolerations()));
        assertEquals(null, all.getTolerationSeconds());
        assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
        assertTrue(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable() != null);
    }

    /** A {@code $(VAR)} in a container's arguments that names no variable of the container is passed on literally. */
    @Test
    void everyVariableInTheArgumentsIsDefined() {
        Pattern ref = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
        List<PodSpec> pods = List.of(Manifests.one(all, Deployment.class, "housekeeper-operator").getSpec().getTemplate().getSpec(),
                Manifests.one(all, DaemonSet.class, "housekeeper-agent").getSpec().getTemplate().getSpec());
        for (PodSpec pod : pods) {
            for (Container c : pod.getContainers()) {
                Set<String> env = c.getEnv().stream().map(EnvVar::getName).collect(Collectors.toSet());
                for (String arg : c.getArgs()) {
                    Matcher m = ref.matcher(arg);
                    while (m.find()) {
                        assertTrue(env.contains(m.group(1)), "container " + c.getName() + ": argument " + arg
                                + " refers to $(" + m.group(1) + "), which its env does not define");
                    }
                }
            }
        }
    }

    private static String argAfter(Container c, String flag) {
        int i = c.getArgs().indexOf(flag);
        assertTrue(i >= 0 && i + 1 < c.getArgs().size(), "container " + c.getName() + " has no " + flag + " argument: "
                + c.getArgs());
        return c.getArgs().get(i + 1);
    }

    private static String fieldRef(Container c, String var) {
        return c.getEnv().stream().filter(e -> e.getName().equals(var)).findFirst()
                .map(e -> e.getValueFrom().getFieldRef().getFieldPath())
                .orElseThrow(() -> new AssertionError("container " + c.getName() + " has no env " + var));
    }
}
