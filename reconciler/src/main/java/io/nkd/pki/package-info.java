/**
 * The cluster PKI nkd generates instead of kubeadm's {@code certs} and {@code kubeconfig} phases, so the
 * CAs live in nkd's store (and are reused, never regenerated) and kubeadm, finding the files in place,
 * only uses them.
 *
 * <p>Entry points: {@link io.nkd.pki.PkiGenerator#generate} turns a {@link io.nkd.pki.PkiSpec} (and
 * optional {@link io.nkd.pki.UserCas}) into a {@link io.nkd.pki.ClusterPki}, whose
 * {@link io.nkd.pki.ClusterPki#files()} is kubeadm's layout below {@code /etc/kubernetes/} and
 * {@link io.nkd.pki.ClusterPki#fromFiles} reads it back. {@link io.nkd.pki.BootstrapToken},
 * {@link io.nkd.pki.CertificateKey} and {@link io.nkd.pki.DiscoveryHash} are the join secrets and pin;
 * {@link io.nkd.pki.CertificateInfo} and {@link io.nkd.pki.CertificateCheck} back {@code nkd certs list|check}.
 *
 * <p>Subjects, SANs, extended key usages, file names, the 5-minute backdate and the validity defaults are
 * kubeadm's (certlist.go, pkiutil). Deliberate differences, none of which Kubernetes reads:
 * <ul>
 *   <li>keys default to ECDSA P-256 (kubeadm: RSA-2048); sa.key stays RSA then, see
 *       {@link io.nkd.config.KeyAlgorithm#serviceAccountAlgorithm()};</li>
 *   <li>CAs carry keyCertSign + cRLSign + digitalSignature (kubeadm: keyCertSign + digitalSignature +
 *       keyEncipherment); leaves carry keyEncipherment only for RSA keys (RFC 5480);</li>
 *   <li>leaves also carry a subject key identifier, serials have 127 random bits (kubeadm: 63), and no leaf
 *       outlives its CA;</li>
 *   <li>an extra SAN that is neither an IP nor a DNS name is an error (kubeadm warns and drops it);</li>
 *   <li>only admin.conf and super-admin.conf are made: kubeadm writes controller-manager.conf,
 *       scheduler.conf and kubelet.conf itself from ca.key, node by node.</li>
 * </ul>
 *
 * <p>Nothing here touches files, reads the clock or uses global randomness: a {@link java.security.SecureRandom}
 * and a {@link java.time.Clock} come in through constructors. No {@code toString()} or exception message
 * contains a private key, token secret or certificate key.
 */
package io.nkd.pki;
