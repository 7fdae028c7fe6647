package io.nkd.pki;

/** The three certificate authorities of a kubeadm cluster, with kubeadm's common names and file names. */
public enum Authority {
    /** Signs the API server, its kubelet client, and every user and component client certificate. */
    CLUSTER("ca", "kubernetes"),
    /** A separate CA so front-proxy identities cannot call the API and ordinary clients cannot act as the proxy. */
    FRONT_PROXY("front-proxy-ca", "front-proxy-ca"),
    /** Everything etcd: server, peer and client certificates. */
    ETCD("etcd/ca", "etcd-ca");

    private final String baseName;
    private final String commonName;

    Authority(String baseName, String commonName) {
        this.baseName = baseName;
        this.commonName = commonName;
    }

    /** Path below {@code /etc/kubernetes/pki/} without extension, as kubeadm names it. */
    public String baseName() {
        return baseName;
    }

    public String commonName() {
        return commonName;
    }

    /** {@code pki/ca.crt}: relative to {@code /etc/kubernetes/}. */
    public String certPath() {
        return "pki/" + baseName + ".crt";
    }

    public String keyPath() {
        return "pki/" + baseName + ".key";
    }

    /** For messages: {@code cluster CA (pki/ca.crt)}. */
    public String label() {
        String what = switch (this) {
            case CLUSTER -> "cluster CA";
            case FRONT_PROXY -> "front-proxy CA";
            case ETCD -> "etcd CA";
        };
        return what + " (" + certPath() + ")";
    }
}
