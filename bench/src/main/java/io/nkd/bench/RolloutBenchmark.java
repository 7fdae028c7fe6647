package io.nkd.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.OsDeployment;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.operator.EtcdCheckMode;
import io.nkd.housekeeper.operator.Operator;
import io.nkd.housekeeper.operator.OperatorConfig;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rollout of N simulated worker nodes with maxUnavailable k on the real test API server, driven by the real operator
 * (in this process, with its own client, whose every HTTP request is counted). The agents are simulated cheaply, as
 * CONTRACT.md describes them from the outside: one informer on the benchmark's Nodes answers every new assignment
 * with a Done report (booted image = the target) exactly T after it saw it. The operator does not know they are
 * simulated: it sees reports on Nodes, as with real agents.
 *
 * <p>Prints the total rollout time (Update created → status Completed) against the ideal ceil(N/k)·T, the most nodes
 * ever selected at once (must be ≤ k), and the operator's API requests, per node and by kind.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.nkd.bench.RolloutBenchmark [N] [k] [T seconds]} with
 * KUBECONFIG pointing at the test API server ({@code eval "$(sudo testenv/kube-apiserver.sh env)"}); see
 * {@code bench/rollout-bench.sh}. Everything it creates carries a run id and is deleted at the end: Nodes labelled
 * {@code bench.nkd.io/run=<id>} (the operator manages only those, through --node-selector) and a namespace.
 */
public final class RolloutBenchmark {
    private static final String RUN_LABEL = "bench.nkd.io/run";
    private static final String OLD_IMAGE = "registry.example/nestos/nestos:24.03";
    private static final String OLD_DIGEST = "sha256:" + "a".repeat(64);
    private static final String NEW_DIGEST = "sha256:" + "b".repeat(64);
    private static final String NEW_IMAGE = "registry.example/nestos/nestos:24.09@" + NEW_DIGEST;
    private static final String KUBELET = "v1.20.2";

    private RolloutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Duration t = Duration.ofMillis(Math.round(1000 * (args.length > 2 ? Double.parseDouble(args[2]) : 5.0)));
        String run = "r" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        String namespace = "bench-rollout-" + run;

        RequestCounter counter = new RequestCounter();
        try (KubernetesClient admin = new KubernetesClientBuilder().build();
             KubernetesClient operatorClient = new KubernetesClientBuilder()
                     .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("bench-count", counter)).build()) {
            System.out.printf(Locale.ROOT, "rollout benchmark: %d worker nodes, maxUnavailable %d, T %.1f s, API server %s%n",
                    n, k, t.toMillis() / 1000.0, admin.getMasterUrl());
            installCrd(admin);
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
            try {
                createNodes(admin, run, n);
                Result r = rollout(admin, operatorClient, counter, namespace, run, n, k, t);
                r.print(n, k, t);
            } finally {
                cleanUp(admin, namespace, run);
            }
        }
    }

    private static void installCrd(KubernetesClient client) throws Exception {
        String path = "META-INF/fabric8/" + Update.CRD_NAME + "-v1.yml";
        try (InputStream in = RolloutBenchmark.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the class path: build with "
                        + "./mvnw -pl bench -am package -DskipTests");
            }
            CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
            client.apiextensions().v1().customResourceDefinitions().withName(Update.CRD_NAME).waitUntilCondition(
                    c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                    60, TimeUnit.SECONDS);
        }
    }

    /** N Ready workers that run the old image, each with the report an agent would have written at its start. */
    private static void createNodes(KubernetesClient client, String run, int n) throws Exception {
        long start = System.nanoTime();
        String report = ContractJson.write(new NodeReport(new OsDeployment(OLD_IMAGE, OLD_DIGEST, "c0ffee", "24.03"),
                null, null, KUBELET, AgentState.IDLE, null, null, "idle", Instant.now().toString(), false, null, "bench"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format(Locale.ROOT, "%s-w%04d", run, i);
            futures.add(pool.submit(() -> {
                Node node = new NodeBuilder()
                        .withMetadata(new ObjectMetaBuilder().withName(name)
                                .withLabels(Map.of(RUN_LABEL, run, "node-role.kubernetes.io/worker", ""))
                                .withAnnotations(Map.of(NodeKeys.REPORT_ANNOTATION, report)).build())
                        .withNewStatus()
                        .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                                .withReason("KubeletReady").withLastHeartbeatTime(Instant.now().toString())
                                .withLastTransitionTime(Instant.now().toString()).build())
                        .withNewNodeInfo().withKubeletVersion(KUBELET).withKubeProxyVersion(KUBELET)
                        .withOperatingSystem("linux").withArchitecture("amd64").withOsImage("NestOS (bench)")
                        .withContainerRuntimeVersion("cri-o://1.20.0").withKernelVersion("5.10.0")
                        .withMachineID("0").withSystemUUID("0").withBootID("0").endNodeInfo()
                        .endStatus().build();
                Node created = client.nodes().resource(node).create();
                if (created.getStatus() == null || created.getStatus().getConditions() == null
                        || created.getStatus().getConditions().isEmpty()) {
                    created.setStatus(node.getStatus());
                    client.nodes().resource(created).updateStatus();
                }
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        pool.shutdown();
        System.out.printf(Locale.ROOT, "created %d Nodes in %.1f s%n", n, (System.nanoTime() - start) / 1e9);
    }

    private static Result rollout(KubernetesClient admin, KubernetesClient operatorClient, RequestCounter counter,
                                  String namespace, String run, int n, int k, Duration t) throws Exception {
        SimulatedAgents agents = new SimulatedAgents(admin, run, t);
        agents.start();
        OperatorConfig config = OperatorConfig.defaults(namespace, "bench-operator")
                .withNodeSelector(Map.of(RUN_LABEL, run))
                .withEtcdCheck(EtcdCheckMode.NONE, "kube-system")
                .withMetricsPort(-1);
        try (Operator operator = new Operator(operatorClient, config)) {
            operator.start();
            long waitLeader = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!operator.isLeader()) {
                if (System.nanoTime() > waitLeader) {
                    throw new IllegalStateException("the operator did not become leader of Lease " + namespace + "/"
                            + config.leaseName() + " within 60 s");
                }
                Thread.sleep(50);
            }
            Thread.sleep(2000); // its informers' first lists; their requests are not part of the rollout's
            counter.reset();

            Update u = new Update();
            u.setMetadata(new ObjectMetaBuilder().withName("bench").withNamespace(namespace).build());
            u.setSpec(new UpdateSpec(NEW_IMAGE, null, false, k, null, null, run));
            long start = System.nanoTime();
            admin.resources(Update.class).inNamespace(namespace).resource(u).create();
            UpdateStatus last = null;
            long deadline = start + Duration.ofSeconds(Math.max(600, 4L * (n + k - 1) / k * t.toSeconds())).toNanos();
            while (System.nanoTime() < deadline) {
                Update now = admin.resources(Update.class).inNamespace(namespace).withName("bench").get();
                last = now.getStatus();
                if (last != null && last.phase() == RolloutPhase.COMPLETED && last.updated() == n) {
                    break;
                }
                if (last != null && last.phase() == RolloutPhase.DEGRADED) {
                    throw new IllegalStateException("the rollout is Degraded: " + last.conditions());
                }
                Thread.sleep(50);
            }
            long total = System.nanoTime() - start;
            Map<String, Long> requests = counter.snapshot();
            if (last == null || last.phase() != RolloutPhase.COMPLETED) {
                throw new IllegalStateException("the rollout did not complete in time; last status: " + last);
            }
            return new Result(Duration.ofNanos(total), Duration.ofNanos(agents.firstAssignment.get() - start),
                    agents.maxSelected.get(), agents.assignments.get(), requests, agents.refillSeconds(k));
        } finally {
            agents.stop();
        }
    }

    private static void cleanUp(KubernetesClient client, String namespace, String run) {
        client.nodes().withLabel(RUN_LABEL, run).withGracePeriod(0).delete();
        client.namespaces().withName(namespace).delete();
    }

    private record Result(Duration total, Duration toFirstAssignment, int maxSelected, int assignments,
                          Map<String, Long> requests, List<Double> refill) {
        void print(int n, int k, Duration t) {
            long batches = (n + k - 1) / k;
            double ideal = batches * t.toMillis() / 1000.0;
            double took = total.toMillis() / 1000.0;
            long all = requests.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf(Locale.ROOT, "rollout: %.2f s; ideal ceil(%d/%d)·T = %d × %.1f s = %.1f s; overhead %.2f s "
                    + "(%+.2f %%)%n", took, n, k, batches, t.toMillis() / 1000.0, ideal, took - ideal,
                    100 * (took - ideal) / ideal);
            System.out.printf(Locale.ROOT, "first assignment %.3f s after the Update was created; most nodes selected "
                    + "at once: %d (maxUnavailable %d); assignments: %d%n", toFirstAssignment.toMillis() / 1000.0,
                    maxSelected, k, assignments);
            if (!refill.isEmpty()) {
                System.out.printf(Locale.ROOT, "a freed slot is refilled after (Done written -> next assignment seen): "
                        + "median %.3f s, p90 %.3f s, max %.3f s%n", refill.get(refill.size() / 2),
                        refill.get(refill.size() * 9 / 10), refill.get(refill.size() - 1));
            }
            System.out.printf(Locale.ROOT, "operator API requests during the rollout: %d, %.2f per node%n", all,
                    (double) all / n);
            requests.forEach((kind, count) -> System.out.printf(Locale.ROOT, "  %-40s %6d  %.2f per node%n", kind,
                    count, (double) count / n));
            if (maxSelected > k) {
                System.out.println("FAILED: more nodes selected at once than maxUnavailable");
            }
        }
    }

    /**
     * The agents of every benchmark node, from the outside: a new assignment is answered with a Done report after T.
     * Also measures how many nodes the operator has selected at once (the {@code upgrading} label).
     */
    private static final class SimulatedAgents {
        private final KubernetesClient client;
        private final String run;
        private final Duration t;
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(4);
        private final ConcurrentMap<String, String> answered = new ConcurrentHashMap<>(); // node -> assignment id
        private final Set<String> selected = ConcurrentHashMap.newKeySet();
        private final AtomicInteger maxSelected = new AtomicInteger();
        private final AtomicInteger assignments = new AtomicInteger();
        private final AtomicLong firstAssignment = new AtomicLong(Long.MAX_VALUE);
        /** nanoTime of every assignment seen and of every Done written, for the operator's reaction time. */
        private final java.util.concurrent.ConcurrentLinkedQueue<Long> assignedAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.ConcurrentLinkedQueue<Long> doneAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private SharedIndexInformer<Node> informer;

        SimulatedAgents(KubernetesClient client, String run, Duration t) {
            this.client = client;
            this.run = run;
            this.t = t;
        }

        void start() {
            informer = client.nodes().withLabel(RUN_LABEL, run).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Node node) {
                    seen(node);
                }

                @Override
                public void onUpdate(Node before, Node after) {
                    seen(after);
                }

                @Override
                public void onDelete(Node node, boolean unknown) {
                    selected.remove(node.getMetadata().getName());
                }
            });
        }

        private void seen(Node node) {
            String name = node.getMetadata().getName();
            Map<String, String> labels = node.getMetadata().getLabels();
            if (labels != null && labels.containsKey(NodeKeys.UPGRADING_LABEL)) {
                selected.add(name);
                maxSelected.accumulateAndGet(selected.size(), Math::max);
            } else {
                selected.remove(name);
            }
            NodeAssignment a = ContractJson.assignment(node).orElse(null);
            if (a == null || a.id().equals(answered.get(name))) {
                return;
            }
            answered.put(name, a.id());
            assignments.incrementAndGet();
            long now = System.nanoTime();
            assignedAt.add(now);
            firstAssignment.accumulateAndGet(now, Math::min);
            timer.schedule(() -> done(name, a), t.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** What a real agent writes when it has finished: the report (Done, target booted) and upstream's label. */
        private void done(String name, NodeAssignment a) {
            NodeReport report = new NodeReport(new OsDeployment(NEW_IMAGE.substring(0, NEW_IMAGE.indexOf('@')),
                    NEW_DIGEST, "d00d", "24.09"), null, new OsDeployment(OLD_IMAGE, OLD_DIGEST, "c0ffee", "24.03"),
                    KUBELET, AgentState.DONE, a.id(), null, "done", Instant.now().toString(), false, null, "bench");
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("annotations", Map.of(NodeKeys.REPORT_ANNOTATION, ContractJson.write(report)));
            metadata.put("labels", Map.of(NodeKeys.UPGRADE_COMPLETED_LABEL, ""));
            try {
                // resource(stub).patch, not withName(name).patch: fabric8 7.5.2's by-name patch GETs the object first
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(Map.of("metadata", metadata)));
                doneAt.add(System.nanoTime());
            } catch (RuntimeException e) {
                System.err.println("simulated agent of node " + name + ": cannot write its report: " + e.getMessage());
            }
        }

        /**
         * How long a freed slot stays empty: the j-th node started after the first k refills the slot of the j-th node
         * to finish, so (j+k)-th assignment − j-th Done, in seconds, sorted. The operator's reaction time (watch
         * delivery, reconcile, node patch, watch delivery back) is what makes the rollout exceed ceil(N/k)·T.
         */
        List<Double> refillSeconds(int k) {
            List<Long> a = assignedAt.stream().sorted().toList();
            List<Long> d = doneAt.stream().sorted().toList();
            List<Double> out = new ArrayList<>();
            for (int j = 0; j + k < a.size() && j < d.size(); j++) {
                out.add((a.get(j + k) - d.get(j)) / 1e9);
            }
            out.sort(Double::compare);
            return out;
        }

        void stop() {
            if (informer != null) {
                informer.close();
            }
            timer.shutdownNow();
        }
    }

    /** Every HTTP request the operator's client sends, by method and resource (a watch counted apart). */
    private static final class RequestCounter implements Interceptor {
        private final ConcurrentMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

        @Override
        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            counts.computeIfAbsent(kind(request), x -> new AtomicLong()).incrementAndGet();
        }

        private static String kind(HttpRequest request) {
            String path = request.uri().getPath();
            String query = request.uri().getQuery() == null ? "" : request.uri().getQuery();
            String[] parts = path.split("/");
            // /api/v1/nodes/NAME, /apis/G/V/namespaces/NS/updates/NAME/status, …: keep the resource and subresource
            List<String> keep = new ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                if (p.equals("nodes") || p.equals("updates") || p.equals("leases") || p.equals("events")
                        || p.equals("pods") || p.equals("status")) {
                    keep.add(p);
                }
            }
            String resource = keep.isEmpty() ? path : String.join("/", keep);
            String verb = request.method();
            if ("GET".equals(verb)) {
                verb = query.contains("watch=true") ? "WATCH" : (path.matches(".*/(nodes|updates|leases|events|pods)$")
                        ? "LIST" : "GET");
            }
            return verb + " " + resource;
        }

        void reset() {
            counts.clear();
        }

        Map<String, Long> snapshot() {
            Map<String, Long> m = new TreeMap<>();
            new HashMap<>(counts).forEach((key, v) -> m.put(key, v.get()));
            return m;
        }
    }
}
