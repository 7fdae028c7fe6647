package io.nkd.housekeeper.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.housekeeper.agent.host.CommandResult;
import io.nkd.housekeeper.agent.host.HostCommands;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.KubeVersion;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A simulated NestOS host behind {@link HostCommands}: it records every command line the agent runs and answers
 * like the real tools.
 *
 * <ul>
 *   <li><b>rpm-ostree</b>: an ordered list of deployments (the first boots next), printed by {@code rpm-ostree
 *   status --json} in rpm-ostree's own format (so the agent's real parser reads it). {@code rebase} stages the target
 *   in front (digest: the pinned one, else the one {@link #publish published} for the image, else one derived from
 *   the name); {@code rollback} moves the rollback deployment in front; {@code cleanup -p} drops the staged one.</li>
 *   <li><b>reboot</b>: {@code systemctl reboot} only records the request and calls the {@link #onReboot} listener
 *   (on its own thread); {@link #boot()} then makes the first deployment the booted one, as the next boot would.
 *   The harness ({@link SimulatedNode}) kills the agent, boots, and starts a new agent.</li>
 *   <li><b>Kubernetes</b>: {@code kubeadm version -o short} answers the kubeadm version (an image can carry one:
 *   see {@link #publish}); {@code kubeadm upgrade apply V -y} (V must equal kubeadm's version) and {@code kubeadm
 *   upgrade node} make the next {@code systemctl restart kubelet} switch {@code kubelet --version} to it.</li>
 *   <li><b>A kubeadm control plane</b> ({@link #controlPlane}): the static pod manifests under
 *   /etc/kubernetes/manifests and kubeadm's certificates with their expiry. {@code test -e}, {@code mkdir -p} and
 *   {@code mv -f} act on that file set; a simulated kubelet runs a component's container exactly while its manifest is
 *   in the manifest directory, {@link #kubeletLag} looks later; {@code crictl ps --name ^C$ --state running -q} prints
 *   its id while it runs; {@code curl ... /readyz} succeeds while kube-apiserver runs; {@code kubeadm certs renew all}
 *   re-issues every certificate valid one year from the host's clock (as kubeadm does), and {@code kubeadm certs
 *   check-expiration} prints kubeadm's table. {@link #neverStarts} makes a component fail to come back.</li>
 *   <li><b>Failures and delays</b>: {@link #fail} makes matching commands exit non-zero with an output;
 *   {@link #delay} makes them take (real) time.</li>
 * </ul>
 * Thread-safe. Digests are {@code sha256:} and 64 hex digits, as real ones.
 */
public final class FakeHost implements HostCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One deployment of the simulated host. */
    public record Deployment(String image, String digest, String version) {
        public Deployment {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(digest, "digest");
        }

        public String checksum() {
            return sha256Hex("commit:" + image + "@" + digest);
        }
    }

    private record Entry(Deployment deployment, boolean booted, boolean staged) {
    }

    private record Failure(Predicate<List<String>> matches, int exitCode, String output, int[] remaining) {
    }

    private record Published(String digest, KubeVersion kubeadm) {
    }

    private final List<Entry> deployments = new ArrayList<>();
    private final Map<String, Published> registry = new LinkedHashMap<>();
    private final List<List<String>> commands = new CopyOnWriteArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final Map<String, Duration> delays = new LinkedHashMap<>();
    private KubeVersion kubelet;
    private KubeVersion kubeadm;
    /** kubeadm's certificate names, in its table's order. */
    public static final List<String> KUBEADM_CERTIFICATES = List.of("admin.conf", "apiserver", "apiserver-etcd-client",
            "apiserver-kubelet-client", "controller-manager.conf", "etcd-healthcheck-client", "etcd-peer", "etcd-server",
            "front-proxy-client", "scheduler.conf", "super-admin.conf");
    public static final String MANIFESTS = "/etc/kubernetes/manifests";
    private final java.util.Set<String> files = new java.util.TreeSet<>();
    private final Map<String, java.time.Instant> certificates = new LinkedHashMap<>();
    /** component → polls of crictl left until the kubelet acts on a manifest change */
    private final Map<String, Integer> pendingKubelet = new LinkedHashMap<>();
    private final java.util.Set<String> running = new java.util.TreeSet<>();
    private final java.util.Set<String> neverStarts = new java.util.TreeSet<>();
    private int kubeletLag;
    private java.util.function.Supplier<java.time.Instant> now = java.time.Instant::now;
    private int renewals;
    private KubeVersion kubeletAfterRestart;
    private int reboots;
    private boolean rebootRequested;
    private volatile Consumer<FakeHost> rebootListener = h -> { };
    private volatile Consumer<FakeHost> kubeletRestartListener = h -> { };
    private volatile Consumer<String> commandListener = l -> { };

    /** A host booted from {@code image} with no rollback deployment; kubelet and kubeadm at {@code kubernetes}. */
    public FakeHost(String image, String digest, String kubernetes) {
        deployments.add(new Entry(new Deployment(ImageReference.parse(image).toString(), digest, "1"), true, false));
        kubelet = KubeVersion.parse(kubernetes);
        kubeadm = kubelet;
    }

    /** A digest for an image name, stable across runs: what a registry would answer for it in these tests. */
    public static String digestOf(String image) {
        return "sha256:" + sha256Hex("image:" + image);
    }

    /** Adds a rollback deployment (the previous OS) after the booted one. */
    public synchronized FakeHost withRollback(String image, String digest) {
        deployments.add(new Entry(new Deployment(ImageReference.parse(image).toString(), digest, "0"), false, false));
        return this;
    }

    /** What the registry serves for {@code image} (name:tag): its digest and the kubeadm version inside (or null). */
    public synchronized FakeHost publish(String image, String digest, String kubeadmVersion) {
        registry.put(ImageReference.parse(image).toString(),
                new Published(digest, kubeadmVersion == null ? null : KubeVersion.parse(kubeadmVersion)));
        return this;
    }

    /** Matching commands (a command line starting with {@code prefix}) exit with {@code exitCode} and {@code output},
     * {@code times} times (then succeed again). */
    public synchronized FakeHost fail(String prefix, int exitCode, String output, int times) {
        failures.add(new Failure(startsWith(prefix), exitCode, output, new int[] {times}));
        return this;
    }

    /** Commands starting with {@code prefix} take {@code duration} (real time; interruptible). */
    public synchronized FakeHost delay(String prefix, Duration duration) {
        delays.put(prefix, duration);
        return this;
    }

    /**
     * Makes this a kubeadm control-plane node: the four static pod manifests (etcd, API server, controller-manager,
     * scheduler) running, and kubeadm's certificates expiring at {@code notAfter}; {@code now} is the host's clock
     * (what a renewal counts its year from).
     */
    public synchronized FakeHost controlPlane(java.time.Instant notAfter, java.util.function.Supplier<java.time.Instant> now) {
        for (String c : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
            files.add(MANIFESTS + "/" + c + ".yaml");
            running.add(c);
        }
        KUBEADM_CERTIFICATES.forEach(c -> certificates.put(c, notAfter));
        this.now = Objects.requireNonNull(now);
        return this;
    }

    /** The simulated kubelet notices a manifest change only at the {@code polls}-th crictl call after it. */
    public synchronized FakeHost kubeletLag(int polls) {
        kubeletLag = polls;
        return this;
    }

    /** {@code component}'s container never runs again once stopped (a broken manifest, a crash loop). */
    public synchronized FakeHost neverStarts(String component) {
        neverStarts.add(component);
        return this;
    }

    /** A file of the simulated file system (a test parks a manifest as an interrupted run would leave it). */
    public synchronized FakeHost moveFile(String from, String to) {
        if (files.remove(from)) {
            files.add(to);
        }
        return this;
    }

    public synchronized java.util.Set<String> files() {
        return java.util.Set.copyOf(files);
    }

    public synchronized boolean containerRunning(String component) {
        return running.contains(component);
    }

    public synchronized Map<String, java.time.Instant> certificates() {
        return Map.copyOf(certificates);
    }

    public synchronized int certificateRenewals() {
        return renewals;
    }

    public synchronized FakeHost kubeadmVersion(String version) {
        kubeadm = KubeVersion.parse(version);
        return this;
    }

    public void onReboot(Consumer<FakeHost> listener) {
        rebootListener = Objects.requireNonNull(listener);
    }

    /** Called with every command line as it starts (tests that check an order across hosts). */
    public void onCommand(Consumer<String> listener) {
        commandListener = Objects.requireNonNull(listener);
    }

    public void onKubeletRestart(Consumer<FakeHost> listener) {
        kubeletRestartListener = Objects.requireNonNull(listener);
    }

    /** Every command line run so far, in order. */
    public List<List<String>> commands() {
        return List.copyOf(commands);
    }

    /** Every command line as one string ("rpm-ostree status --json"). */
    public List<String> commandLines() {
        return commands.stream().map(c -> String.join(" ", c)).toList();
    }

    public void clearCommands() {
        commands.clear();
    }

    public synchronized Deployment booted() {
        return deployments.stream().filter(Entry::booted).findFirst().orElseThrow().deployment();
    }

    public synchronized List<Deployment> deployments() {
        return deployments.stream().map(Entry::deployment).toList();
    }

    public synchronized KubeVersion kubeletVersion() {
        return kubelet;
    }

    public synchronized int reboots() {
        return reboots;
    }

    public synchronized boolean rebootRequested() {
        return rebootRequested;
    }

    /**
     * The reboot itself: the first deployment becomes the booted one; rpm-ostree keeps it and the one booted before
     * (the new rollback). An image that carries kubeadm brings its version.
     */
    public synchronized void boot() {
        Entry next = deployments.get(0);
        Entry previous = deployments.stream().filter(Entry::booted).findFirst().orElseThrow();
        deployments.clear();
        deployments.add(new Entry(next.deployment(), true, false));
        if (previous != next) {
            deployments.add(new Entry(previous.deployment(), false, false));
        }
        Published p = registry.get(next.deployment().image());
        if (p != null && p.kubeadm() != null) {
            kubeadm = p.kubeadm();
        }
        kubeletAfterRestart = null;
        rebootRequested = false;
        reboots++;
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout) throws InterruptedException {
        List<String> cmd = List.copyOf(argv);
        commands.add(cmd);
        String line = String.join(" ", cmd);
        commandListener.accept(line);
        Duration delay = null;
        synchronized (this) {
            for (var e : delays.entrySet()) {
                if (line.startsWith(e.getKey())) {
                    delay = e.getValue();
                }
            }
        }
        if (delay != null) {
            if (delay.compareTo(timeout) > 0) {
                Thread.sleep(timeout.toMillis());
                return new CommandResult(cmd, null, "", "killed after the timeout", timeout);
            }
            Thread.sleep(delay.toMillis());
        }
        CommandResult result;
        boolean reboot = false;
        boolean restart = false;
        synchronized (this) {
            Failure f = failures.stream().filter(x -> x.remaining()[0] > 0 && x.matches().test(cmd)).findFirst()
                    .orElse(null);
            if (f != null) {
                f.remaining()[0]--;
                return new CommandResult(cmd, f.exitCode(), "", f.output(), delay == null ? Duration.ZERO : delay);
            }
            result = execute(cmd);
            if (result.succeeded() && line.equals("systemctl reboot")) {
                rebootRequested = true;
                reboot = true;
            }
            restart = result.succeeded() && line.equals("systemctl restart kubelet");
        }
        if (reboot) {
            Consumer<FakeHost> l = rebootListener;
            Thread t = new Thread(() -> l.accept(this), "fake-host-reboot");
            t.setDaemon(true);
            t.start();
        }
        if (restart) {
            kubeletRestartListener.accept(this);
        }
        return result;
    }

    private CommandResult execute(List<String> c) {
        String line = String.join(" ", c);
        if (line.equals("rpm-ostree status --json")) {
            return ok(c, statusJson());
        }
        if (c.size() == 5 && line.startsWith("rpm-ostree rebase --experimental ") && c.get(4).equals("--bypass-driver")) {
            return rebase(c, c.get(3));
        }
        if (line.equals("rpm-ostree rollback")) {
            int i = indexOfRollback();
            if (i < 0) {
                return exit(c, 1, "error: No rollback deployment found");
            }
            Entry e = deployments.remove(i);
            deployments.removeIf(Entry::staged);
            deployments.add(0, e);
            return ok(c, "Moving '" + e.deployment().checksum() + ".0' to be first deployment\nTransaction complete; "
                    + "bootconfig swap: yes; bootversion: boot.1.0, deployment count change: 0\nRun \"systemctl reboot\" "
                    + "to start a reboot");
        }
        if (line.equals("rpm-ostree cleanup -p")) {
            deployments.removeIf(Entry::staged);
            return ok(c, "Deployments unchanged.");
        }
        if (line.equals("systemctl reboot") || line.equals("systemctl daemon-reload")) {
            return ok(c, "");
        }
        if (line.equals("systemctl restart kubelet")) {
            if (kubeletAfterRestart != null) {
                kubelet = kubeletAfterRestart;
                kubeletAfterRestart = null;
            }
            return ok(c, "");
        }
        if (line.equals("kubelet --version")) {
            return ok(c, "Kubernetes " + kubelet);
        }
        if (line.equals("kubeadm version -o short")) {
            return ok(c, kubeadm.toString());
        }
        if (c.size() == 5 && line.startsWith("kubeadm upgrade apply ") && c.get(4).equals("-y")) {
            KubeVersion v = KubeVersion.parse(c.get(3));
            if (!v.equals(kubeadm)) {
                return exit(c, 1, "[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n"
                        + "\n\t- Specified version to upgrade to \"" + v + "\" is higher than the kubeadm version \""
                        + kubeadm + "\". Upgrade kubeadm first using the tool you used to install kubeadm");
            }
            kubeletAfterRestart = v;
            return ok(c, "[upgrade/successful] SUCCESS! Your cluster was upgraded to \"" + v + "\". Enjoy!");
        }
        if (line.equals("kubeadm upgrade node")) {
            kubeletAfterRestart = kubeadm;
            return ok(c, "[upgrade] The configuration for this node was successfully updated!");
        }
        CommandResult cp = controlPlaneCommand(c, line);
        if (cp != null) {
            return cp;
        }
        return exit(c, 127, "nsenter: failed to execute " + c.get(0) + ": No such file or directory");
    }

    /** kubeadm's time format in its expiration table ({@code Mar 15, 2023 01:59 UTC}). */
    private static final java.time.format.DateTimeFormatter KUBEADM_TIME = java.time.format.DateTimeFormatter
            .ofPattern("MMM dd, yyyy HH:mm 'UTC'", java.util.Locale.ENGLISH).withZone(java.time.ZoneOffset.UTC);

    /** test, mkdir, mv, crictl, curl and kubeadm certs on the simulated control plane; null for other commands. */
    private CommandResult controlPlaneCommand(List<String> c, String line) {
        if (c.size() == 3 && line.startsWith("test -e ")) {
            return files.contains(c.get(2)) ? ok(c, "") : CommandResult.exited(c, 1, "", "");
        }
        if (c.size() == 3 && line.startsWith("mkdir -p ")) {
            return ok(c, "");
        }
        if (c.size() == 4 && line.startsWith("mv -f ")) {
            if (!files.remove(c.get(2))) {
                return exit(c, 1, "mv: cannot stat '" + c.get(2) + "': No such file or directory");
            }
            files.add(c.get(3));
            String component = component(c.get(2)) != null ? component(c.get(2)) : component(c.get(3));
            if (component != null) {
                pendingKubelet.put(component, kubeletLag);
            }
            return ok(c, "");
        }
        if (c.size() == 7 && line.startsWith("crictl ps --name ^") && line.endsWith("$ --state running -q")) {
            String component = c.get(3).substring(1, c.get(3).length() - 1);
            Integer left = pendingKubelet.get(component);
            if (left != null && left > 0) {
                pendingKubelet.put(component, left - 1);
            } else {
                pendingKubelet.remove(component);
                boolean wanted = files.contains(MANIFESTS + "/" + component + ".yaml");
                if (!wanted) {
                    running.remove(component);
                } else if (!neverStarts.contains(component)) {
                    running.add(component); // one that never starts stays as it is: running until it was stopped
                }
            }
            return ok(c, running.contains(component) ? sha256Hex("container:" + component).substring(0, 13) + "\n" : "");
        }
        if (line.startsWith("curl -ksf ") && line.endsWith("/readyz")) {
            return running.contains("kube-apiserver") ? ok(c, "ok")
                    : exit(c, 7, "curl: (7) Failed to connect to 127.0.0.1 port 6443: Connection refused");
        }
        if (line.equals("kubeadm certs renew all") && !certificates.isEmpty()) {
            java.time.Instant until = now.get().plus(Duration.ofDays(365));
            StringBuilder out = new StringBuilder("[renew] Reading configuration from the cluster...\n");
            for (String name : certificates.keySet()) {
                certificates.put(name, until);
                out.append("certificate ").append(name).append(" renewed\n");
            }
            renewals++;
            out.append("\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
                    + "kube-scheduler and etcd, so that they can use the new certificates.\n");
            return ok(c, out.toString());
        }
        if (line.equals("kubeadm certs check-expiration") && !certificates.isEmpty()) {
            java.time.Instant t = now.get();
            StringBuilder out = new StringBuilder("[check-expiration] Reading configuration from the cluster...\n\n");
            out.append(String.format("%-26s %-24s %-15s %-23s %s%n", "CERTIFICATE", "EXPIRES", "RESIDUAL TIME",
                    "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED"));
            for (var e : certificates.entrySet()) {
                long days = Duration.between(t, e.getValue()).toDays();
                out.append(String.format("%-26s %-24s %-15s %-23s %s%n", e.getKey(),
                        KUBEADM_TIME.format(e.getValue()), days < 0 ? "<invalid>" : days + "d",
                        e.getKey().startsWith("etcd") || e.getKey().equals("apiserver-etcd-client") ? "etcd-ca"
                                : e.getKey().startsWith("front-proxy") ? "front-proxy-ca" : "ca", "no"));
            }
            out.append("\nCERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED\n");
            out.append("ca                      Dec 28, 2035 23:36 UTC   9y              no\n");
            return ok(c, out.toString());
        }
        return null;
    }

    private static String component(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.endsWith(".yaml") ? name.substring(0, name.length() - ".yaml".length()) : null;
    }

    private CommandResult rebase(List<String> c, String ref) {
        String image;
        if (ref.startsWith("ostree-unverified-image:docker://")) {
            image = ref.substring("ostree-unverified-image:docker://".length());
        } else if (ref.startsWith("ostree-remote-image:") && ref.contains(":docker://")) {
            image = ref.substring(ref.indexOf(":docker://") + ":docker://".length());
        } else {
            return exit(c, 1, "error: Invalid refspec " + ref);
        }
        ImageReference target = ImageReference.parse(image);
        String digest;
        if (target.digest() != null) {
            digest = target.digest();
        } else {
            Published p = registry.get(target.toString());
            digest = p != null ? p.digest() : digestOf(target.toString());
        }
        deployments.removeIf(Entry::staged);
        deployments.add(0, new Entry(new Deployment(target.toString(), digest, "2"), false, true));
        return ok(c, "Pulling manifest: " + ref + "\nImporting: " + ref + " (digest: " + digest + ")\nStaging "
                + "deployment...done\nRun \"systemctl reboot\" to start a reboot");
    }

    private int indexOfRollback() {
        for (int i = 0; i < deployments.size(); i++) {
            if (!deployments.get(i).booted() && !deployments.get(i).staged()) {
                return i;
            }
        }
        return -1;
    }

    /** rpm-ostree's JSON, with the fields the agent reads in the places real rpm-ostree puts them. */
    public synchronized String statusJson() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Entry e : deployments) {
            Map<String, Object> d = new LinkedHashMap<>();
            Deployment dep = e.deployment();
            d.put("id", "nestos-" + dep.checksum() + ".0");
            d.put("osname", "nestos");
            d.put("checksum", dep.checksum());
            d.put("version", dep.version());
            d.put("container-image-reference", "ostree-unverified-image:docker://" + dep.image());
            d.put("container-image-reference-digest", dep.digest());
            d.put("base-commit-meta", Map.of("ostree.manifest-digest", dep.digest()));
            d.put("booted", e.booted());
            d.put("staged", e.staged());
            d.put("pinned", false);
            list.add(d);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("deployments", list);
        root.put("transaction", null);
        root.put("cached-update", null);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Predicate<List<String>> startsWith(String prefix) {
        return argv -> String.join(" ", argv).startsWith(prefix);
    }

    private static CommandResult ok(List<String> c, String out) {
        return CommandResult.exited(c, 0, out, "");
    }

    private static CommandResult exit(List<String> c, int code, String err) {
        return CommandResult.exited(c, code, "", err);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
