package io.nkd.ha;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election through a {@code coordination.k8s.io/v1} Lease, with fabric8's {@link LeaderElector} doing the
 * acquiring and renewing. What this class adds is the rule that matters for safety ({@link RenewDeadline}): this
 * process leads only while its last successful renewal is younger than the renew deadline on its own monotonic clock.
 * fabric8's callbacks come late when the API server does not answer (a renewal request may hang for its whole timeout),
 * so they are used for logs and for the name of the leader, never to decide whether to act.
 *
 * <p>After losing the lease (or never getting it) the process keeps contending: a new elector starts after the retry
 * period. On {@link #close()} a held lease is released (its holder cleared), so a replica stopped for an upgrade hands
 * over within a retry period instead of a lease duration.
 *
 * <p>Metrics: {@code nkd_leader} (1 while this replica leads, else 0) and {@code nkd_leader_transitions_total} (times
 * this replica started or stopped leading).
 */
public final class LeaseLeadership implements Leadership, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseLeadership.class);
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /**
     * The election's settings.
     *
     * @param namespace     where the Lease lives (nkd's own namespace)
     * @param lease         the Lease's name ({@code --leader-election-lease}, default {@value #DEFAULT_LEASE})
     * @param identity      this replica's holderIdentity: the pod name (or host name) and a random suffix, so a
     *                      restarted pod of the same name never mistakes its predecessor's lease for its own
     * @param leaseDuration how long others wait after the last renewal before taking over (default 15 s)
     * @param renewDeadline how long the leader keeps acting without a successful renewal (default 10 s); shorter
     *                      than the lease duration
     * @param retryPeriod   how often the leader renews and the others try (default 2 s); shorter than the deadline
     */
    public record Settings(String namespace, String lease, String identity, Duration leaseDuration, Duration renewDeadline,
                           Duration retryPeriod) {
        public static final String DEFAULT_LEASE = "nkd";
        public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
        public static final Duration DEFAULT_RENEW_DEADLINE = Duration.ofSeconds(10);
        public static final Duration DEFAULT_RETRY_PERIOD = Duration.ofSeconds(2);

        public Settings {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(identity, "identity");
            if (!DNS_LABEL.matcher(namespace).matches()) {
                throw new IllegalArgumentException("namespace \"" + namespace + "\" is not a DNS label");
            }
            if (!DNS_NAME.matcher(lease).matches()) {
                throw new IllegalArgumentException("--leader-election-lease \"" + lease + "\" is not a valid Lease name"
                        + " (lower-case letters, digits, '-' and '.')");
            }
            if (identity.isBlank() || identity.length() > 253) {
                throw new IllegalArgumentException("the replica identity must be 1 to 253 characters");
            }
            if (retryPeriod.isNegative() || retryPeriod.isZero()) {
                throw new IllegalArgumentException("--retry-period must be more than 0");
            }
            if (renewDeadline.compareTo(retryPeriod) <= 0) {
                throw new IllegalArgumentException("--renew-deadline (" + renewDeadline.toMillis() + " ms) must be longer than"
                        + " --retry-period (" + retryPeriod.toMillis() + " ms): the leader needs more than one try to renew");
            }
            if (leaseDuration.compareTo(renewDeadline) <= 0) {
                throw new IllegalArgumentException("--lease-duration (" + leaseDuration.toMillis() + " ms) must be longer than"
                        + " --renew-deadline (" + renewDeadline.toMillis() + " ms): a leader that cannot renew must stop acting"
                        + " before another replica may take the lease");
            }
        }

        /** The defaults for a namespace and identity. */
        public static Settings defaults(String namespace, String identity) {
            return new Settings(namespace, DEFAULT_LEASE, identity, DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD);
        }

        /**
         * A replica identity: {@code POD_NAME} (the Deployment sets it from the downward API) or the host name, then
         * '-' and 8 random hex digits.
         */
        public static String identity(String podName, String hostName, SecureRandom random) {
            String base = podName != null && !podName.isBlank() ? podName.strip() : hostName == null || hostName.isBlank() ? "nkd" : hostName.strip();
            byte[] suffix = new byte[4];
            random.nextBytes(suffix);
            return (base.length() > 200 ? base.substring(0, 200) : base) + "-" + HexFormat.of().formatHex(suffix);
        }
    }

    private final Settings settings;
    private final KubernetesClient client;
    private final RenewDeadline deadline;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService electorThread = Executors.newSingleThreadExecutor(r -> thread(r, "nkd-leader-election"));
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "nkd-leader-watch"));
    private final Counter transitions;
    private volatile String leader;
    private volatile boolean closed;
    /** The monotonic time of the election's last answered request (a read or a write of the Lease), or NEVER. */
    private volatile long lastAnswer = Long.MIN_VALUE;
    private final LongSupplier nanoTime;
    private volatile CompletableFuture<?> running;
    /** What the watch last told listeners: guarded by {@link #watch}'s single thread (and close). */
    private boolean told;

    private LeaseLeadership(KubernetesClient apiClient, Settings settings, MeterRegistry metrics, LongSupplier nanoTime) {
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.deadline = new RenewDeadline(settings.renewDeadline(), nanoTime);
        // a client of its own: a renewal must fail within the deadline instead of hanging for the default 10 s timeout and
        // being retried with backoff (fabric8 retries 5xx and timeouts up to 10 times by default)
        long timeout = Math.max(500, settings.renewDeadline().toMillis() / 2);
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(apiClient.getConfiguration())
                .withNamespace(settings.namespace())
                .withRequestTimeout((int) timeout).withConnectionTimeout((int) timeout)
                .withRequestRetryBackoffLimit(0).build()).build();
        Gauge.builder("nkd_leader", this, l -> l.isLeader() ? 1 : 0)
                .description("1 while this replica leads (follows Git and reconciles), else 0").register(metrics);
        this.transitions = Counter.builder("nkd_leader_transitions_total")
                .description("Times this replica started or stopped leading").register(metrics);
    }

    /** Starts contending for the lease; returns at once (this process leads once {@link #isLeader()} says so). */
    public static LeaseLeadership start(KubernetesClient client, Settings settings, MeterRegistry metrics) {
        return start(client, settings, metrics, System::nanoTime);
    }

    static LeaseLeadership start(KubernetesClient client, Settings settings, MeterRegistry metrics, LongSupplier nanoTime) {
        LeaseLeadership l = new LeaseLeadership(client, settings, metrics, nanoTime);
        LOG.info("leader election: Lease {}/{} as {} (lease duration {} ms, renew deadline {} ms, retry period {} ms)",
                settings.namespace(), settings.lease(), settings.identity(), settings.leaseDuration().toMillis(),
                settings.renewDeadline().toMillis(), settings.retryPeriod().toMillis());
        long tick = Math.max(20, Math.min(200, settings.retryPeriod().toMillis() / 10));
        l.watch.scheduleWithFixedDelay(l::check, 0, tick, TimeUnit.MILLISECONDS);
        l.elect();
        return l;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String identity() {
        return settings.identity();
    }

    @Override
    public boolean isLeader() {
        return !closed && deadline.valid();
    }

    @Override
    public Optional<String> leader() {
        return Optional.ofNullable(leader);
    }

    @Override
    public String describe() {
        return "Lease " + settings.namespace() + "/" + settings.lease();
    }

    /**
     * Why this replica cannot reach the API server, judged by the election's own requests (every retry period, leader or
     * not): none answered within the renew deadline. Empty while they answer.
     */
    public Optional<String> unreachable() {
        long last = lastAnswer;
        long now = nanoTime.getAsLong();
        if (last != Long.MIN_VALUE && now - last <= settings.renewDeadline().toNanos()) {
            return Optional.empty();
        }
        return Optional.of(last == Long.MIN_VALUE ? "the API server has not answered the election yet"
                : "the API server has not answered the election for " + Duration.ofNanos(now - last).toMillis() + " ms");
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
        watch.execute(() -> {
            if (told) {
                listener.gained();
            }
        });
    }

    /** One elector's life: acquire, renew until it cannot, then (unless closing) a new one after the retry period. */
    private void elect() {
        if (closed) {
            return;
        }
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> { }, deadline::cleared, this::newLeader);
        LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
                .withName(settings.lease())
                .withLock(new TrackingLock(new LeaseLock(settings.namespace(), settings.lease(), settings.identity())))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(callbacks)
                .build(), electorThread);
        CompletableFuture<?> f = elector.start();
        running = f;
        f.whenComplete((v, e) -> {
            deadline.cleared();
            if (!closed) {
                LOG.debug("leader election round ended ({}); contending again", e == null ? "renewal stopped" : e.toString());
                watch.schedule(this::elect, settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void newLeader(String identity) {
        leader = identity;
        LOG.info("leader election: {} holds {}{}", identity == null || identity.isEmpty() ? "nobody" : identity, describe(),
                settings.identity().equals(identity) ? " (this replica)" : "");
    }

    /** The watch: tells listeners of every change of {@link #isLeader()}, in order, on one thread. */
    private void check() {
        boolean now = isLeader();
        if (now == told) {
            return;
        }
        told = now;
        transitions.increment();
        if (now) {
            leader = settings.identity();
            LOG.info("leading: this replica ({}) holds {}; following Git and reconciling", settings.identity(), describe());
        } else if (closed) {
            LOG.info("stopped leading: this replica ({}) is stopping and releases {}", settings.identity(), describe());
        } else {
            LOG.warn("stopped leading: this replica ({}) has not renewed {} within the renew deadline ({} ms); no reconcile,"
                    + " provider call or cluster write starts here until it leads again", settings.identity(), describe(),
                    settings.renewDeadline().toMillis());
        }
        for (Listener l : listeners) {
            try {
                if (now) {
                    l.gained();
                } else {
                    l.lost(closed ? "this replica is stopping" : "the lease was not renewed within the renew deadline ("
                            + settings.renewDeadline().toMillis() + " ms)");
                }
            } catch (RuntimeException e) {
                LOG.error("a leadership listener failed: {}", e.toString());
            }
        }
    }

    /** Stops acting at once, then releases the lease if held (the next replica takes over within a retry period). */
    @Override
    public void close() {
        closed = true;
        try {
            watch.submit(this::check).get(5, TimeUnit.SECONDS); // listeners hear "lost" before the lease is released
        } catch (Exception e) {
            // closing: the listeners' own close follows
        }
        CompletableFuture<?> f = running;
        if (f != null) {
            f.cancel(true);
        }
        watch.shutdownNow();
        electorThread.shutdown();
        try {
            electorThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * The Lease lock, timing each successful renewal from before its request was read: {@code get} starts every
     * acquire-or-renew attempt, so its start is earlier than the renewTime the update then writes.
     */
    private final class TrackingLock implements Lock {
        private final Lock delegate;
        private long attemptStart;

        TrackingLock(Lock delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized LeaderElectionRecord get(KubernetesClient c) {
            attemptStart = deadline.start();
            LeaderElectionRecord record;
            try {
                record = delegate.get(c);
            } catch (KubernetesClientException e) {
                throw brief(e);
            }
            lastAnswer = nanoTime.getAsLong();
            return observed(record);
        }

        private LeaderElectionRecord seen;
        private java.time.ZonedDateTime seenAt;

        /**
         * Another holder's record with its renewTime replaced by when this replica first saw that record: the elector
         * compares renewTime plus the lease duration with this host's clock, and renewTime was written by the holder's
         * clock. Kubernetes measures leaseDurationSeconds "against the time of last observed renewTime", as client-go
         * does; otherwise a dead leader whose clock was ahead kept the Lease for as long as its clock was wrong, and a
         * follower whose clock is ahead of the leader's by more than lease duration − renew deadline took the Lease
         * while the leader still acted. Updates still carry the Lease's resourceVersion (the delegate keeps it).
         */
        private LeaderElectionRecord observed(LeaderElectionRecord record) {
            if (record == null || record.getHolderIdentity() == null || record.getHolderIdentity().isEmpty()
                    || record.getHolderIdentity().equals(settings.identity())) {
                seen = null;
                return record;
            }
            if (!record.equals(seen)) {
                seen = record;
                seenAt = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
            }
            return record.toBuilder().renewTime(seenAt).build();
        }

        @Override
        public synchronized void create(KubernetesClient c, LeaderElectionRecord record) {
            try {
                delegate.create(c, record);
            } catch (KubernetesClientException e) {
                throw brief(e);
            }
            track(record);
        }

        @Override
        public synchronized void update(KubernetesClient c, LeaderElectionRecord record) {
            if (record.getHolderIdentity() == null || record.getHolderIdentity().isEmpty()) {
                deadline.cleared(); // a release: stop acting before the lease says so
            }
            try {
                delegate.update(c, record);
            } catch (KubernetesClientException e) {
                throw brief(e);
            }
            track(record);
        }

        /**
         * The same failure without its stack trace: the elector logs every failed attempt with the exception (every retry
         * period while the API server does not answer), and the message alone says what failed (the request, the Lease,
         * the server's answer or the timeout).
         */
        private KubernetesClientException brief(KubernetesClientException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = e.getMessage() + (root != e && root.getMessage() != null && !String.valueOf(e.getMessage()).contains(root.getMessage())
                    ? " (" + root.getMessage() + ")" : "");
            KubernetesClientException b = new KubernetesClientException(message, e.getCode(), e.getStatus());
            b.setStackTrace(new StackTraceElement[0]);
            return b;
        }

        private void track(LeaderElectionRecord record) {
            if (settings.identity().equals(record.getHolderIdentity()) && !closed) {
                deadline.renewed(attemptStart);
            }
        }

        @Override
        public String identity() {
            return delegate.identity();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }
}
