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
    private KubeVersion kubeletAfterRestart;
    private int reboots;
    private boolean rebootRequested;
    private volatile Consumer<FakeHost> rebootListener = h -> { };
    private volatile Consumer<FakeHost> kubeletRestartListener = h -> { };

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

    public synchronized FakeHost kubeadmVersion(String version) {
        kubeadm = KubeVersion.parse(version);
        return this;
    }

    public void onReboot(Consumer<FakeHost> listener) {
        rebootListener = Objects.requireNonNull(listener);
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
        return exit(c, 127, "nsenter: failed to execute " + c.get(0) + ": No such file or directory");
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
