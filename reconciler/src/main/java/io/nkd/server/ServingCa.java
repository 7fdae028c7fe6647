package io.nkd.server;

import io.nkd.pki.AltNames;
import io.nkd.pki.CertKeyPair;
import io.nkd.pki.ExtendedKeyUsage;
import io.nkd.config.KeyAlgorithm;
import io.nkd.pki.LeafProfile;
import io.nkd.pki.Pem;
import io.nkd.pki.PkiGenerator;
import io.nkd.state.ClusterState;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateStore;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nkd's own serving CA, for the HTTPS endpoint booting nodes fetch their Ignition from. It is separate
 * from every cluster's Kubernetes CA: nodes of all clusters trust it before they are members of anything,
 * and a cluster's CA key must not sign nkd's server certificate (rotating one would break the other).
 *
 * <p>Generated once (ECDSA P-256, 10 years) into the state store under the pseudo-cluster
 * {@value #STATE_CLUSTER} ({@value #CERT_PATH}, {@value #KEY_PATH} 0600) and reused: every pointer config
 * handed out carries this CA, so regenerating it would strand every machine not yet booted. The server's
 * own certificate is short-lived by comparison and issued at each start for the names of that start.
 */
public final class ServingCa {
    /** The state store's pseudo-cluster for store-wide server state; no cluster may use this name. */
    public static final String STATE_CLUSTER = "nkd-server";
    public static final String CERT_PATH = "serving-ca/ca.crt";
    public static final String KEY_PATH = "serving-ca/ca.key";
    public static final String COMMON_NAME = "nkd-serving-ca";
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    public static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(ServingCa.class);

    private final CertKeyPair ca;
    private final SecureRandom random;
    private final Clock clock;

    private ServingCa(CertKeyPair ca, SecureRandom random, Clock clock) {
        this.ca = ca;
        this.random = random;
        this.clock = clock;
    }

    /** The stored CA, or a new one stored first. Holds the pseudo-cluster's lock while it works. */
    public static ServingCa ensure(StateStore store, SecureRandom random, Clock clock) {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(clock, "clock");
        try (ClusterState state = store.open(STATE_CLUSTER, LOCK_WAIT)) {
            Optional<byte[]> cert = state.read(CERT_PATH);
            Optional<byte[]> key = state.read(KEY_PATH);
            if (cert.isPresent() && key.isPresent()) {
                return new ServingCa(load(cert.get(), key.get(), random, clock), random, clock);
            }
            if (cert.isPresent() || key.isPresent()) {
                // never replace half a CA: pointers in circulation trust the certificate that is (or was) here
                throw new IllegalStateException("the serving CA in the state store is incomplete: " + (cert.isPresent() ? KEY_PATH
                        : CERT_PATH) + " of " + STATE_CLUSTER + " is missing. Restore it from a backup; or, to start over"
                        + " (every pointer config made so far stops working), delete serving-ca/ and restart nkd");
            }
            CertKeyPair created = SelfSignedCa.create(COMMON_NAME, CA_VALIDITY, random, clock);
            state.write(CERT_PATH, Pem.bytes(Pem.encodeCertificate(created.certificate())), Sensitivity.PUBLIC);
            state.write(KEY_PATH, Pem.bytes(Pem.encodePrivateKey(created.privateKey())), Sensitivity.SECRET);
            log.info("created the serving CA {} (valid until {})", COMMON_NAME, created.certificate().getNotAfter().toInstant());
            return new ServingCa(created, random, clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the lock of " + STATE_CLUSTER, e);
        }
    }

    public X509Certificate certificate() {
        return ca.certificate();
    }

    public String certificatePem() {
        return Pem.encodeCertificate(ca.certificate());
    }

    /** A new server key and certificate for {@code names}, valid {@link #SERVER_VALIDITY}. */
    public ServingIdentity issueServerIdentity(AltNames names) {
        return issueServerIdentity(names, SERVER_VALIDITY);
    }

    /** A new server key (ECDSA P-256) and certificate for {@code names}, signed by this CA. */
    public ServingIdentity issueServerIdentity(AltNames names, Duration validity) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the serving certificate needs at least one DNS name or IP address");
        }
        LeafProfile profile = new LeafProfile("nkd-ignition-server", List.of(), names, Set.of(ExtendedKeyUsage.SERVER_AUTH));
        CertKeyPair leaf = new PkiGenerator(random, clock).issue(ca, profile, KeyAlgorithm.ECDSA_P256, validity);
        return new ServingIdentity(List.of(leaf.certificate()), leaf.privateKey(), List.of(ca.certificate()));
    }

    /**
     * The names for the server certificate: those nodes use to reach nkd (DNS names or IPs, e.g. the
     * address a NAT or load balancer gives it), plus the listen address when it is a specific IP (a
     * wildcard address is no name anyone connects to).
     */
    public static AltNames serverNames(List<String> names, InetSocketAddress listen) {
        AltNames given = AltNames.parse(names);
        if (listen.getAddress() != null && !listen.getAddress().isAnyLocalAddress()) {
            return given.plus(new AltNames(List.of(), List.of(listen.getAddress())));
        }
        return given;
    }

    private static CertKeyPair load(byte[] cert, byte[] key, SecureRandom random, Clock clock) {
        String where = STATE_CLUSTER + "/" + CERT_PATH;
        X509Certificate c = Pem.decodeCertificate(new String(cert, StandardCharsets.US_ASCII));
        CertKeyPair pair = new CertKeyPair(c, Pem.decodePrivateKey(new String(key, StandardCharsets.US_ASCII)));
        if (!IdentityChecks.belongs(c.getPublicKey(), pair.privateKey(), random)) {
            throw new IllegalStateException("the serving CA key in the state store does not belong to " + where
                    + "; restore both from the same backup");
        }
        if (clock.instant().isAfter(c.getNotAfter().toInstant())) {
            throw new IllegalStateException("the serving CA " + where + " expired on " + c.getNotAfter().toInstant()
                    + "; delete serving-ca/ of " + STATE_CLUSTER + " to make a new one, then make new pointer configs");
        }
        return pair;
    }

    @Override
    public String toString() {
        return "ServingCa[" + ca + "]";
    }
}
