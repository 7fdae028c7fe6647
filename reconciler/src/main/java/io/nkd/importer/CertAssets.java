package io.nkd.importer;

import java.util.SortedMap;

/**
 * NKD's {@code certAsset}: paths of CA files the user brought (NKD generated the rest). NKD's struct fields
 * were RootCaCertPath … FrontProxyCaKeyPath (yaml.v2 lowercased: rootcacertpath), later tagged rootCACertPath,
 * plus saPub/saKey; "…File" spellings are accepted too. They map onto kubeadm's PKI layout, which is what nkd's
 * state store keeps per cluster.
 */
final class CertAssets {
    /** kubeadm path, NKD field stem (cert/key pairs are adjacent). */
    private static final String[][] FILES = {
        {"pki/ca.crt", "rootCACert"}, {"pki/ca.key", "rootCAKey"},
        {"pki/etcd/ca.crt", "etcdCACert"}, {"pki/etcd/ca.key", "etcdCAKey"},
        {"pki/front-proxy-ca.crt", "frontProxyCACert"}, {"pki/front-proxy-ca.key", "frontProxyCAKey"},
        {"pki/sa.pub", "saPub"}, {"pki/sa.key", "saKey"},
    };

    private CertAssets() {
    }

    static void read(NkdMap top, SortedMap<String, String> files, SortedMap<String, String> keys, Ctx ctx) {
        NkdMap certs = top.map("certAsset");
        for (int i = 0; i < FILES.length; i += 2) {
            String[] first = names(FILES[i][1]);
            String[] second = names(FILES[i + 1][1]);
            String a = certs.text(first);
            String b = certs.text(second);
            if (a != null && b != null) {
                files.put(FILES[i][0], a);
                keys.put(FILES[i][0], certs.key(first));
                files.put(FILES[i + 1][0], b);
                keys.put(FILES[i + 1][0], certs.key(second));
            } else if (a != null || b != null) {
                String given = a != null ? certs.key(first) : certs.key(second);
                String missing = a != null ? certs.key(second) : certs.key(first);
                ctx.item(given, "given without " + missing + ": nkd signs the cluster's certificates itself and needs "
                        + "both halves, so neither is imported and nkd generates a new one", "set both paths and import "
                        + "again, or let nkd generate it (machines of the old cluster will not trust the new one)");
            }
        }
    }

    /** The spellings NKD used for one field: rootCACertPath, rootCACertFile, and saPub/saKey as they are. */
    private static String[] names(String stem) {
        return stem.startsWith("sa") ? new String[] {stem, stem + "Path", stem + "File"}
                : new String[] {stem + "Path", stem + "File"};
    }
}
