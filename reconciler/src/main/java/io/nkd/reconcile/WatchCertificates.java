package io.nkd.reconcile;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.pki.CertificateInfo;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the expiry of the certificates nkd keeps for a cluster (its PKI in the cluster's state: the CAs, the leaves,
 * and the client certificates of admin.conf and super-admin.conf, the credential nkd itself uses): one gauge
 * {@code nkd_certificate_expiry_timestamp_seconds{cluster,certificate}} per certificate (its notAfter, in seconds
 * since the epoch; {@code certificate} is its path, e.g. {@code pki/ca.crt}, {@code admin.conf}), and the condition
 * {@value #CONDITION}, False with reason {@value #EXPIRING} when one expires within {@link #WARN_BEFORE}. Fills
 * certificates. The leaf certificates kubeadm makes on each node are the node's; nkd does not see them here.
 */
record WatchCertificates() implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(WatchCertificates.class);
    static final String CONDITION = "CertificatesValid";
    static final String EXPIRING = "CertificatesExpiring";
    static final String VALID = "CertificatesValid";
    /** How far ahead an expiry becomes a warning. */
    static final Duration WARN_BEFORE = Duration.ofDays(30);
    /** Micrometer holds gauge targets weakly: they live here, per registry. */
    private static final Map<MeterRegistry, Map<List<String>, AtomicLong>> GAUGES = new WeakHashMap<>();

    @Override
    public String name() {
        return "WatchCertificates";
    }

    @Override
    public boolean run(Scope s) {
        List<CertificateInfo> certs = CertificateInfo.list(ClusterSecrets.pkiFiles(s.state), s.calls.clock());
        s.certificates = certs;
        MeterRegistry registry = s.calls.metrics();
        for (CertificateInfo c : certs) {
            gauge(registry, s.cluster, c.path()).set(c.notAfter().getEpochSecond());
        }
        Instant warnAt = s.calls.clock().instant().plus(WARN_BEFORE);
        certs.stream().filter(c -> c.notAfter().isBefore(warnAt)).forEach(c -> LOG.warn(
                "cluster={} commit={}: certificate {} ({}) expires {} ({} days left)", s.cluster, Steps.shortId(s.revision),
                c.path(), c.subject(), c.notAfter(), c.daysLeft()));
        return true;
    }

    /** The condition for the certificates a reconcile saw; null when it saw none (no PKI yet). */
    static Condition condition(Scope s, Instant now) {
        if (s.certificates == null || s.certificates.isEmpty()) {
            return null;
        }
        List<CertificateInfo> soon = s.certificates.stream().filter(c -> c.notAfter().isBefore(now.plus(WARN_BEFORE)))
                .sorted(java.util.Comparator.comparing(CertificateInfo::notAfter)).toList();
        if (!soon.isEmpty()) {
            return new Condition(CONDITION, Condition.Status.FALSE, EXPIRING, soon.stream()
                    .map(c -> c.path() + (c.notAfter().isAfter(now) ? " expires " : " expired ") + c.notAfter() + " ("
                            + c.daysLeft() + " days left)").collect(Collectors.joining("; "))
                    + "; nkd does not renew certificates yet: `nkd certs list --state-dir DIR --cluster " + s.cluster + "` lists them all", s.revision, null);
        }
        CertificateInfo first = s.certificates.stream().min(java.util.Comparator.comparing(CertificateInfo::notAfter)).orElseThrow();
        return new Condition(CONDITION, Condition.Status.TRUE, VALID, s.certificates.size() + " certificate(s) valid for more than "
                + WARN_BEFORE.toDays() + " days; the first to expire: " + first.path() + " on " + first.notAfter(), s.revision, null);
    }

    static ClusterStatus withCondition(ClusterStatus status, Scope s, Instant now) {
        Condition c = condition(s, now);
        return c == null ? status : status.withCondition(c, now);
    }

    private static AtomicLong gauge(MeterRegistry registry, String cluster, String certificate) {
        synchronized (GAUGES) {
            return GAUGES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>()).computeIfAbsent(List.of(cluster, certificate), k -> {
                AtomicLong value = new AtomicLong();
                Gauge.builder("nkd_certificate_expiry_timestamp_seconds", value, AtomicLong::get)
                        .description("When a certificate nkd keeps for a cluster expires (notAfter), in seconds since the epoch")
                        .tag("cluster", cluster).tag("certificate", certificate).strongReference(true).register(registry);
                return value;
            });
        }
    }
}
