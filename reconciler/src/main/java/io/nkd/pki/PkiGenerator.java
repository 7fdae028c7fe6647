package io.nkd.pki;

import io.nkd.config.KeyAlgorithm;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Generates what kubeadm's {@code certs} and {@code kubeconfig} phases would: three CAs (or the user's),
 * the leaves of a stacked-etcd control plane, the service-account key pair and admin.conf /
 * super-admin.conf. All randomness comes from the given {@link SecureRandom} and all time from the given
 * {@link Clock}: the same seed and instant give the same PKI, byte for byte.
 */
public final class PkiGenerator {
    private final SecureRandom random;
    private final Clock clock;
    private final CertificateIssuer issuer;

    public PkiGenerator(SecureRandom random, Clock clock) {
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.issuer = new CertificateIssuer(random, clock);
    }

    public ClusterPki generate(PkiSpec spec) {
        return generate(spec, UserCas.none());
    }

    /**
     * A complete PKI for {@code spec}. A CA in {@code userCas} is used as given (after checking it is a CA
     * valid now, with its own key); the others are generated.
     */
    public ClusterPki generate(PkiSpec spec, UserCas userCas) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(userCas, "userCas");
        Map<Authority, CertKeyPair> cas = new EnumMap<>(Authority.class);
        for (Authority a : Authority.values()) {
            cas.put(a, userCas.load(a, clock.instant())
                    .orElseGet(() -> issuer.selfSignedCa(a.commonName(), spec.keyAlgorithm(), spec.caValidity())));
        }
        Map<Leaf, CertKeyPair> leaves = new EnumMap<>(Leaf.class);
        for (Leaf l : Leaf.values()) {
            leaves.put(l, issuer.issue(cas.get(l.authority()), l.profile(spec), spec.keyAlgorithm(), spec.leafValidity()));
        }
        KeyPair sa = spec.keyAlgorithm().serviceAccountAlgorithm().generate(random);
        CertKeyPair ca = cas.get(Authority.CLUSTER);
        return new ClusterPki(cas, leaves, sa.getPrivate(), sa.getPublic(),
                kubeconfig(spec, ca, ClusterPki.ADMIN_USER, List.of(Leaf.CLUSTER_ADMINS_GROUP)),
                kubeconfig(spec, ca, ClusterPki.SUPER_ADMIN_USER, List.of(Leaf.SYSTEM_MASTERS_GROUP)));
    }

    /**
     * A kubeconfig for any client of the cluster (nkd's own, a component's): a new key and a client
     * certificate for user {@code userName} in groups {@code organizations}, signed by {@code clusterCa},
     * with the spec's cluster name, server, key algorithm and leaf validity.
     */
    public Kubeconfig kubeconfig(PkiSpec spec, CertKeyPair clusterCa, String userName, List<String> organizations) {
        return kubeconfig(clusterCa, spec.clusterName(), spec.serverUrl(), LeafProfile.client(userName, organizations),
                spec.keyAlgorithm(), spec.leafValidity());
    }

    /** The general form: any client profile (its common name is the user), server and validity. */
    public Kubeconfig kubeconfig(CertKeyPair clusterCa, String clusterName, String server, LeafProfile client,
            KeyAlgorithm algorithm, Duration validity) {
        CertKeyPair cert = issuer.issue(clusterCa, client, algorithm, validity);
        return new Kubeconfig(clusterName, server, client.commonName(), clusterCa.certificate(), cert.certificate(), cert.privateKey());
    }

    /** A new certificate and key signed by {@code ca}, for certificates beyond kubeadm's set. */
    public CertKeyPair issue(CertKeyPair ca, LeafProfile profile, KeyAlgorithm algorithm, Duration validity) {
        return issuer.issue(ca, profile, algorithm, validity);
    }

    public BootstrapToken bootstrapToken() {
        return BootstrapToken.generate(random);
    }

    public CertificateKey certificateKey() {
        return CertificateKey.generate(random);
    }
}
