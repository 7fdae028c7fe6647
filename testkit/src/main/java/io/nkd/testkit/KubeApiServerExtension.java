package io.nkd.testkit;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real Kubernetes API server (1.20, with etcd and kube-controller-manager) for a test class: the one that
 * {@code testenv/kube-apiserver.sh up} runs on this machine, shared by every test.
 *
 * <pre>{@code
 * @ExtendWith(KubeApiServerExtension.class)
 * class DrainTest {
 *     KubernetesClient client;      // injected: admin on the test server, default namespace = the class's namespace
 *     KubeFixtures kube;            // injected: Nodes and Running pods without kubelet, the namespace, unique names
 *
 *     @Test
 *     void evictionRespectsTheBudget() {
 *         String node = kube.uniqueName("node-1");
 *         kube.createReadyNode(node, "v1.20.2", Map.of("node-role.kubernetes.io/worker", ""));
 *         kube.createRunningPod("web-0", node, Map.of("app", "web"));
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p><b>What a test gets.</b> A test method parameter, a lifecycle-method parameter or a non-static field of type
 * {@link KubernetesClient} (fabric8) or {@link KubeFixtures} is filled in. The client is authenticated as an admin
 * ({@code system:masters}) and verifies the server's certificate against the CA in the kubeconfig (TLS verification
 * stays on). Its default namespace is the class's namespace.
 *
 * <p><b>Namespace: one per test class</b> (not per test method: creating one and waiting for its ServiceAccount costs
 * about a second), named {@code t-<class>-<random>}, created before the first test and deleted after the last: first
 * its pods with {@code gracePeriodSeconds: 0}, then the namespace with {@code gracePeriodSeconds: 0} (the namespace
 * controller removes what is left within seconds), then the Nodes made through {@link KubeFixtures}. Tests of one class
 * share the namespace, so use distinct object names within a class. A {@code @Nested} class uses its outer class's
 * namespace. Cluster-scoped objects are shared by every test class on the server: name them with
 * {@link KubeFixtures#uniqueName} and delete what {@link KubeFixtures} did not make. A CRD is cluster-scoped and
 * shared: install it idempotently (create or replace).
 *
 * <p><b>The server.</b> No kubelet and no scheduler run: pods stay Pending unless bound and given a status (see
 * {@link KubeFixtures}). Controllers running: disruption (PodDisruptionBudget status), serviceaccount and
 * serviceaccount-token, namespace, garbagecollector. Kubernetes 1.20 serves PodDisruptionBudget and Eviction in
 * {@code policy/v1beta1} only ({@code policy/v1} came with 1.21); fabric8 7.5.2's {@code pods().withName(n).evict()}
 * posts a {@code policy/v1beta1} Eviction and returns false when the server answers 429 (a budget forbids it).
 * <b>Mind fabric8's retries:</b> its HTTP client retries every 429 (and 5xx) answer with exponential backoff, up to
 * {@code requestRetryBackoffLimit} times (default 10): a refused eviction returns false only after about 20 s. A test
 * (or drain code) that expects refusals should use a client with a low limit, e.g.
 * {@code new KubernetesClientBuilder().withConfig(new ConfigBuilder(kube.config()).withRequestRetryBackoffLimit(0).build())}.
 *
 * <p><b>Finding the server</b>, in order: {@code KUBECONFIG} together with {@code NKD_KUBE_APISERVER} (as printed by
 * {@code testenv/kube-apiserver.sh env}; a {@code KUBECONFIG} alone is ignored, since it may name a real cluster), the
 * script's state directory ({@code NKD_KUBE_DIR}, default {@code /var/lib/nkd-testenv/kube/kubeconfig}, readable by
 * root only; {@code eval "$(sudo testenv/kube-apiserver.sh env)"} gives a user a copy of their own), the output of
 * {@code testenv/kube-apiserver.sh env}. The server must answer {@code /readyz} within
 * seconds. If none does, the test class fails under {@code CI=true} ({@code .ci/run} starts the server), and elsewhere
 * its tests are reported skipped; both with a message that names what was tried and says to run
 * {@code sudo testenv/kube-apiserver.sh up}. The search runs once per test run (JVM).
 */
public final class KubeApiServerExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback,
        BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(KubeApiServerExtension.class);
    private static final String SERVER = "server";
    private static final String CLASS_STATE = "class";

    /** The class's client, fixtures and namespace; {@code owner} is the unique id of the context that made it. */
    private record ClassState(String owner, KubernetesClient client, KubeFixtures fixtures) {
    }

    /**
     * Without a server and outside CI, the test class is skipped here, visibly: Maven Surefire reports it as skipped
     * (an assumption failing in a BeforeAllCallback would hide its tests: neither run nor skipped). Under CI the class
     * runs and {@link #beforeAll} fails it.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (server(context) instanceof TestServerLocator.Missing missing && !Ci.active()) {
            return ConditionEvaluationResult.disabled(missing.reason() + " (skipped; with CI=true this fails)");
        }
        return ConditionEvaluationResult.enabled("a test kube-apiserver answers, or CI=true");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        TestServerLocator.Result server = server(context);
        if (!(server instanceof TestServerLocator.Found found)) {
            requireServer(server);
            return;
        }
        if (context.getStore(STORE).get(CLASS_STATE, ClassState.class) != null) {
            return; // a @Nested class: its outer class's namespace
        }
        String namespace = namespaceFor(context.getRequiredTestClass());
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(found.config()).withNamespace(namespace).build())
                .build();
        try {
            KubeFixtures.createNamespace(client, namespace);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        context.getStore(STORE).put(CLASS_STATE, new ClassState(context.getUniqueId(), client, new KubeFixtures(client, namespace)));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ClassState state = context.getStore(STORE).get(CLASS_STATE, ClassState.class);
        if (state == null || !state.owner().equals(context.getUniqueId())) {
            return;
        }
        context.getStore(STORE).remove(CLASS_STATE);
        try {
            state.fixtures().cleanUp();
        } finally {
            state.client().close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        ClassState state = state(context);
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Class<?> c = instance.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    Object value = valueFor(f.getType(), state);
                    if (value != null && !Modifier.isStatic(f.getModifiers()) && !Modifier.isFinal(f.getModifiers())) {
                        f.setAccessible(true);
                        if (f.get(instance) == null) {
                            f.set(instance, value);
                        }
                    }
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == KubernetesClient.class || type == KubeFixtures.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return valueFor(parameterContext.getParameter().getType(), state(extensionContext));
    }

    private static Object valueFor(Class<?> type, ClassState state) {
        if (type == KubernetesClient.class) {
            return state.client();
        }
        if (type == KubeFixtures.class) {
            return state.fixtures();
        }
        return null;
    }

    private static ClassState state(ExtensionContext context) {
        ClassState state = context.getStore(STORE).get(CLASS_STATE, ClassState.class);
        if (state == null) {
            requireServer(server(context));
            throw new IllegalStateException("KubeApiServerExtension has no namespace for " + context.getDisplayName()
                    + ": register it on the test class (@ExtendWith(KubeApiServerExtension.class)), not on a method");
        }
        return state;
    }

    /** Fails (CI) or skips (elsewhere) unless the server was found. */
    private static void requireServer(TestServerLocator.Result server) {
        if (server instanceof TestServerLocator.Missing missing) {
            Ci.require(false, missing.reason());
        }
    }

    /** The search for the server runs once per JVM: the root store outlives every test class. */
    private static TestServerLocator.Result server(ExtensionContext context) {
        return context.getRoot().getStore(STORE)
                .computeIfAbsent(SERVER, k -> TestServerLocator.locate(), TestServerLocator.Result.class);
    }

    /** {@code t-<class name, lower case, at most 40 characters>-<5 random characters>}: a DNS label, unique per run. */
    static String namespaceFor(Class<?> testClass) {
        String base = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (base.length() > 40) {
            base = base.substring(0, 40).replaceAll("-+$", "");
        }
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return "t-" + (base.isEmpty() ? "test" : base) + "-" + suffix;
    }
}
