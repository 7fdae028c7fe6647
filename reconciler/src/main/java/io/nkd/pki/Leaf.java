package io.nkd.pki;

import static io.nkd.pki.ExtendedKeyUsage.CLIENT_AUTH;
import static io.nkd.pki.ExtendedKeyUsage.SERVER_AUTH;

import io.nkd.config.Cidr;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The end-entity certificates of kubeadm's {@code certs} phase (stacked etcd), each with kubeadm's file name,
 * CA, subject, SANs and extended key usages (kubeadm's {@code certlist.go}).
 */
public enum Leaf {
    APISERVER("apiserver", Authority.CLUSTER),
    APISERVER_KUBELET_CLIENT("apiserver-kubelet-client", Authority.CLUSTER),
    FRONT_PROXY_CLIENT("front-proxy-client", Authority.FRONT_PROXY),
    ETCD_SERVER("etcd/server", Authority.ETCD),
    ETCD_PEER("etcd/peer", Authority.ETCD),
    ETCD_HEALTHCHECK_CLIENT("etcd/healthcheck-client", Authority.ETCD),
    APISERVER_ETCD_CLIENT("apiserver-etcd-client", Authority.ETCD);

    /**
     * The group the API server's kubelet client and admin.conf's user are in. Since Kubernetes 1.29 kubeadm
     * binds it to cluster-admin with a ClusterRoleBinding instead of using {@code system:masters}, so the
     * credential can be revoked by deleting the binding.
     */
    public static final String CLUSTER_ADMINS_GROUP = "kubeadm:cluster-admins";
    /** The group that bypasses RBAC entirely: only super-admin.conf's user is in it. */
    public static final String SYSTEM_MASTERS_GROUP = "system:masters";

    private final String baseName;
    private final Authority authority;

    Leaf(String baseName, Authority authority) {
        this.baseName = baseName;
        this.authority = authority;
    }

    public String baseName() {
        return baseName;
    }

    /** The CA that signs this certificate. */
    public Authority authority() {
        return authority;
    }

    public String certPath() {
        return "pki/" + baseName + ".crt";
    }

    public String keyPath() {
        return "pki/" + baseName + ".key";
    }

    /** What kubeadm puts into this certificate for a cluster described by {@code spec}. */
    public LeafProfile profile(PkiSpec spec) {
        return switch (this) {
            case APISERVER -> new LeafProfile("kube-apiserver", List.of(), apiServerAltNames(spec), Set.of(SERVER_AUTH));
            case APISERVER_KUBELET_CLIENT -> LeafProfile.client("kube-apiserver-kubelet-client", List.of(CLUSTER_ADMINS_GROUP));
            case FRONT_PROXY_CLIENT -> LeafProfile.client("front-proxy-client", List.of());
            // etcd 3.2+ also wants clientAuth on its server certificate (etcd issue 9785), so kubeadm sets both
            case ETCD_SERVER, ETCD_PEER ->
                    new LeafProfile(spec.nodeName(), List.of(), etcdAltNames(spec), Set.of(SERVER_AUTH, CLIENT_AUTH));
            // kubeadm dropped system:masters from both etcd clients: etcd does not read the organization
            case ETCD_HEALTHCHECK_CLIENT -> LeafProfile.client("kube-etcd-healthcheck-client", List.of());
            case APISERVER_ETCD_CLIENT -> LeafProfile.client("kube-apiserver-etcd-client", List.of());
        };
    }

    /** kubeadm's GetAPIServerAltNames: node name, the kubernetes service names, service IP, node IP, endpoint, certSANs. */
    static AltNames apiServerAltNames(PkiSpec spec) {
        AltNames base = new AltNames(
                List.of(spec.nodeName(), "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                        "kubernetes.default.svc." + spec.dnsDomain()),
                List.of(spec.apiServerServiceIp(), spec.nodeAddress()));
        AltNames endpoint = spec.endpoint().isIp()
                ? new AltNames(List.of(), List.of(Cidr.parseAddress(spec.endpoint().host())))
                : new AltNames(List.of(spec.endpoint().host().toLowerCase(Locale.ROOT)), List.of());
        return base.plus(endpoint).plus(spec.extraAltNames());
    }

    /** kubeadm's etcd server and peer SANs: the node's name and IP, and loopback, where etcd also listens. */
    static AltNames etcdAltNames(PkiSpec spec) {
        return new AltNames(List.of(spec.nodeName(), "localhost"),
                List.of(spec.nodeAddress(), Cidr.parseAddress("127.0.0.1"), Cidr.parseAddress("::1")));
    }
}
