package io.nkd.housekeeper.agent.host;

import io.nkd.housekeeper.agent.rpmostree.RpmOstreeStatus;
import io.nkd.housekeeper.api.CommandRecord;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.KubeVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The host operations the agent needs, each with its exact command line (the static {@code …Command} methods; tests
 * assert them). Every command is logged with its exit status and output tail, and the last one is kept for the node
 * report ({@link #lastCommand()}).
 *
 * <p>Command lines, checked against the tools' documentation and sources:
 * <ul>
 *   <li>{@code rpm-ostree rebase --experimental ostree-unverified-image:docker://IMAGE --bypass-driver}: the upstream
 *   Housekeeper's form. {@code --bypass-driver} ("force a rebase even if an updates driver is registered") lets the
 *   rebase run when Zincati is the registered update driver; {@code --experimental} is accepted by rebase.</li>
 *   <li>{@code rpm-ostree rebase --experimental ostree-remote-image:REMOTE:docker://IMAGE --bypass-driver}: the
 *   signature-verified form of ostree-rs-ext's image references ({@code ostree-remote-image:REMOTE:TRANSPORT:IMAGE}),
 *   verified with the keys of the host's ostree remote REMOTE.</li>
 *   <li>{@code rpm-ostree rollback}: in rpm-ostree's sources rollback takes only {@code --reboot} (and the global
 *   options); it has no {@code --bypass-driver} and does not check the update driver, so the flag is not passed (an
 *   unknown option would make it fail).</li>
 *   <li>{@code kubeadm version -o short} ({@code -o, --output}: yaml, json or short), {@code kubeadm upgrade apply
 *   VERSION -y} ({@code -y, --yes}: no confirmation prompt), {@code kubeadm upgrade node}.</li>
 *   <li>Certificates (kubeadm's "Certificate Management with kubeadm"): {@code kubeadm certs renew all} renews every
 *   leaf and kubeconfig kubeadm manages, unconditionally; the control-plane components load them only when restarted,
 *   and as static pods they restart when their manifest leaves {@code /etc/kubernetes/manifests} until the kubelet
 *   stops them, then comes back. {@code crictl ps --name REGEX --state running -q} prints the ids of the running
 *   containers of that name; {@code kubeadm certs check-expiration} prints kubeadm's table of expiries (its text form,
 *   the one every kubeadm version prints; {@code -o} is named differently across versions).</li>
 * </ul>
 */
public final class NodeHost {
    private static final Logger LOG = LoggerFactory.getLogger(NodeHost.class);

    static final Duration QUICK = Duration.ofMinutes(2);
    /** A rebase downloads the whole OS image. */
    static final Duration REBASE = Duration.ofMinutes(45);
    /** kubeadm waits up to 5 minutes per control-plane component; apply restarts four of them and etcd. */
    static final Duration KUBEADM = Duration.ofMinutes(30);

    private final HostCommands commands;
    private final ImageTransport transport;
    private final String ostreeRemote;
    private final Clock clock;
    private final AtomicReference<CommandRecord> lastCommand = new AtomicReference<>();
    private volatile Consumer<CommandResult> listener = r -> { };

    /**
     * @param ostreeRemote the ostree remote whose keys verify the image; required for {@link ImageTransport#SIGNED}
     */
    public NodeHost(HostCommands commands, ImageTransport transport, String ostreeRemote, Clock clock) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.transport = Objects.requireNonNull(transport, "transport");
        if (transport == ImageTransport.SIGNED && (ostreeRemote == null || ostreeRemote.isBlank())) {
            throw new IllegalArgumentException("--image-transport signed needs --ostree-remote: the name of the host's "
                    + "ostree remote whose keys verify the OS image (see ostree remote list on the node)");
        }
        this.ostreeRemote = ostreeRemote;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Called after every command (metrics). */
    public void onCommand(Consumer<CommandResult> listener) {
        this.listener = Objects.requireNonNull(listener);
    }

    public static List<String> statusCommand() {
        return List.of("rpm-ostree", "status", "--json");
    }

    public static List<String> rebaseCommand(ImageTransport transport, String ostreeRemote, String osImageURL) {
        String image = ImageReference.parse(osImageURL).toString();
        String ref = switch (transport) {
            case UNVERIFIED -> "ostree-unverified-image:docker://" + image;
            case SIGNED -> "ostree-remote-image:" + ostreeRemote + ":docker://" + image;
        };
        return List.of("rpm-ostree", "rebase", "--experimental", ref, "--bypass-driver");
    }

    public static List<String> rollbackCommand() {
        return List.of("rpm-ostree", "rollback");
    }

    /** {@code -p, --pending}: "Remove pending deployment" (a staged deployment the node must not boot). */
    public static List<String> cleanupPendingCommand() {
        return List.of("rpm-ostree", "cleanup", "-p");
    }

    public static List<String> rebootCommand() {
        return List.of("systemctl", "reboot");
    }

    public static List<String> kubeadmVersionCommand() {
        return List.of("kubeadm", "version", "-o", "short");
    }

    public static List<String> kubeadmUpgradeApplyCommand(KubeVersion version) {
        return List.of("kubeadm", "upgrade", "apply", version.toString(), "-y");
    }

    public static List<String> kubeadmUpgradeNodeCommand() {
        return List.of("kubeadm", "upgrade", "node");
    }

    public static List<List<String>> kubeletRestartCommands() {
        return List.of(List.of("systemctl", "daemon-reload"), List.of("systemctl", "restart", "kubelet"));
    }

    public static List<String> kubeletVersionCommand() {
        return List.of("kubelet", "--version");
    }

    public static List<String> kubeadmCertsRenewAllCommand() {
        return List.of("kubeadm", "certs", "renew", "all");
    }

    public static List<String> kubeadmCertsCheckExpirationCommand() {
        return List.of("kubeadm", "certs", "check-expiration");
    }

    public static List<String> existsCommand(String path) {
        return List.of("test", "-e", path);
    }

    public static List<String> mkdirCommand(String dir) {
        return List.of("mkdir", "-p", dir);
    }

    public static List<String> moveCommand(String from, String to) {
        return List.of("mv", "-f", from, to);
    }

    /** The running containers named exactly {@code name} (crictl's --name is a regular expression). */
    public static List<String> runningContainersCommand(String name) {
        return List.of("crictl", "ps", "--name", "^" + name + "$", "--state", "running", "-q");
    }

    /**
     * The local API server's /readyz, anonymous (kubeadm's clusters allow it: system:public-info-viewer), without
     * verifying the serving certificate: only whether it answers 200 matters, nothing is sent.
     */
    public static List<String> localReadyzCommand(int port) {
        return List.of("curl", "-ksf", "--max-time", "5", "https://127.0.0.1:" + port + "/readyz");
    }

    public void renewCertificates() throws HostCommandException, InterruptedException {
        require(kubeadmCertsRenewAllCommand(), QUICK);
    }

    /** Each certificate kubeadm manages on this node, with its expiry. */
    public List<io.nkd.housekeeper.api.CertificateExpiry> certificateExpiry()
            throws HostCommandException, InterruptedException {
        CommandResult r = require(kubeadmCertsCheckExpirationCommand(), QUICK);
        try {
            return KubeadmExpiration.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new HostCommandException("'" + r.commandLine() + "': " + e.getMessage(), r);
        }
    }

    /** {@code test -e}: exit 0 exists, 1 does not; anything else is a failure. */
    public boolean exists(String path) throws HostCommandException, InterruptedException {
        CommandResult r = probe(existsCommand(path));
        if (r.exitCode() != null && (r.exitCode() == 0 || r.exitCode() == 1)) {
            return r.exitCode() == 0;
        }
        throw failure(r);
    }

    public void mkdir(String dir) throws HostCommandException, InterruptedException {
        require(mkdirCommand(dir), QUICK);
    }

    public void move(String from, String to) throws HostCommandException, InterruptedException {
        require(moveCommand(from, to), QUICK);
    }

    /** Whether a container named {@code name} runs; a failing crictl is a failure, not "no". */
    public boolean containerRunning(String name) throws HostCommandException, InterruptedException {
        CommandResult r = probe(runningContainersCommand(name));
        if (!r.succeeded()) {
            throw failure(r);
        }
        return !r.stdout().isBlank();
    }

    /** Whether the local API server's /readyz answers 200 (any failure is "not yet"). */
    public boolean localApiReady(int port) throws InterruptedException {
        return probe(localReadyzCommand(port)).succeeded();
    }

    public RpmOstreeStatus osStatus() throws HostCommandException, InterruptedException {
        CommandResult r = require(statusCommand(), QUICK);
        try {
            return RpmOstreeStatus.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new HostCommandException(e.getMessage(), r);
        }
    }

    public void rebase(String osImageURL) throws HostCommandException, InterruptedException {
        require(rebaseCommand(transport, ostreeRemote, osImageURL), REBASE);
    }

    public void rollback() throws HostCommandException, InterruptedException {
        require(rollbackCommand(), QUICK);
    }

    public void cleanupPending() throws HostCommandException, InterruptedException {
        require(cleanupPendingCommand(), QUICK);
    }

    public void reboot() throws HostCommandException, InterruptedException {
        require(rebootCommand(), QUICK);
    }

    public KubeVersion kubeadmVersion() throws HostCommandException, InterruptedException {
        return version(require(kubeadmVersionCommand(), QUICK));
    }

    public void kubeadmUpgradeApply(KubeVersion version) throws HostCommandException, InterruptedException {
        require(kubeadmUpgradeApplyCommand(version), KUBEADM);
    }

    public void kubeadmUpgradeNode() throws HostCommandException, InterruptedException {
        require(kubeadmUpgradeNodeCommand(), KUBEADM);
    }

    /** {@code systemctl daemon-reload} (a new kubelet drop-in from kubeadm) then {@code systemctl restart kubelet}. */
    public void restartKubelet() throws HostCommandException, InterruptedException {
        for (List<String> argv : kubeletRestartCommands()) {
            require(argv, QUICK);
        }
    }

    /** {@code kubelet --version} prints "Kubernetes v1.29.3". */
    public KubeVersion kubeletVersion() throws HostCommandException, InterruptedException {
        return version(require(kubeletVersionCommand(), QUICK));
    }

    public Optional<CommandRecord> lastCommand() {
        return Optional.ofNullable(lastCommand.get());
    }

    private static KubeVersion version(CommandResult r) throws HostCommandException {
        String out = r.stdout().strip();
        String[] words = out.split("\\s+");
        try {
            return KubeVersion.parse(words[words.length - 1]);
        } catch (IllegalArgumentException e) {
            throw new HostCommandException("'" + r.commandLine() + "' printed '" + OutputTail.of(out)
                    + "', not a version: " + e.getMessage(), r);
        }
    }

    /**
     * A command polled while waiting (a container, /readyz): kept as the last command, logged only at debug level, never
     * thrown for its exit status.
     */
    private CommandResult probe(List<String> argv) throws InterruptedException {
        CommandResult r = commands.run(new ArrayList<>(argv), QUICK);
        lastCommand.set(r.record(clock.instant()));
        listener.accept(r);
        LOG.debug("host command '{}': {}", r.commandLine(), r.status());
        return r;
    }

    private static HostCommandException failure(CommandResult r) {
        LOG.warn("host command '{}': {} in {} ms; output tail: {}", r.commandLine(), r.status(),
                r.duration().toMillis(), r.outputTail());
        return new HostCommandException("'" + r.commandLine() + "' failed (" + r.status() + "): " + r.outputTail(), r);
    }

    private CommandResult require(List<String> argv, Duration timeout) throws HostCommandException, InterruptedException {
        CommandResult r = commands.run(new ArrayList<>(argv), timeout);
        // rpm-ostree's JSON is data, not a message: in the log and the report its size says enough
        boolean data = r.succeeded() && argv.equals(statusCommand());
        String output = data ? "(JSON, " + r.stdout().length() + " characters)" : r.outputTail();
        CommandRecord record = r.record(clock.instant());
        lastCommand.set(new CommandRecord(record.argv(), record.exitCode(), output, record.finishedAt()));
        listener.accept(r);
        if (r.succeeded()) {
            LOG.info("host command '{}': exit 0 in {} ms; output tail: {}", r.commandLine(), r.duration().toMillis(),
                    output.isEmpty() ? "(none)" : output);
            return r;
        }
        LOG.warn("host command '{}': {} in {} ms; output tail: {}", r.commandLine(), r.status(),
                r.duration().toMillis(), r.outputTail());
        throw new HostCommandException("'" + r.commandLine() + "' failed (" + r.status() + "): "
                + r.outputTail(), r);
    }
}
