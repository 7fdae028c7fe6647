package io.nkd.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A cluster's PKI as kubeadm lays it out on a control-plane node, for a test's own API server. */
public final class PkiDirs {
    private PkiDirs() {
    }

    /**
     * Writes the {@code pki/…} files of nkd's layout ({@link io.nkd.pki.ClusterPki#files()}, or the cluster's stored
     * files from {@link io.nkd.secrets.ClusterSecrets#pkiFiles}) into {@code dir} as {@code /etc/kubernetes/pki}
     * holds them ({@code ca.crt}, {@code apiserver.key}, {@code etcd/ca.crt}, …); the kubeconfigs are left out.
     */
    public static Path write(Map<String, byte[]> files, Path dir) throws IOException {
        for (var e : files.entrySet()) {
            if (!e.getKey().startsWith("pki/")) {
                continue;
            }
            Path target = dir.resolve(e.getKey().substring("pki/".length()));
            Files.createDirectories(target.getParent());
            Files.write(target, e.getValue());
        }
        return dir;
    }
}
