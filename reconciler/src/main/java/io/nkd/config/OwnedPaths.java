package io.nkd.config;

import java.util.List;
import java.util.Optional;

/**
 * Files and units nkd writes on every node. A user snippet that writes one of them would silently break
 * bootstrap, so it is an error unless the snippet opts in with {@code # nkd: override}. Each entry names the
 * template that owns it, so the error can name both files.
 */
public final class OwnedPaths {
    /** A path prefix (ending in '/') or an exact path, and the template that writes it. */
    public record Owned(String path, String template) {
        boolean covers(String candidate) {
            return path.endsWith("/") ? candidate.startsWith(path) || candidate.equals(path.substring(0, path.length() - 1))
                    : candidate.equals(path);
        }
    }

    public static final List<Owned> FILES = List.of(
            new Owned("/etc/kubernetes/", "templates/butane/kubeadm.bu"),
            new Owned("/etc/nkd/", "templates/butane/bootstrap.bu"),
            new Owned("/usr/local/bin/nkd-", "templates/butane/bootstrap.bu"),
            new Owned("/var/lib/kubelet/config.yaml", "templates/butane/kubelet.bu"),
            new Owned("/etc/sysctl.d/90-nkd-kubernetes.conf", "templates/butane/node-base.bu"),
            new Owned("/etc/modules-load.d/nkd-kubernetes.conf", "templates/butane/node-base.bu"),
            new Owned("/etc/hostname", "templates/butane/node-network.bu"),
            new Owned("/etc/NetworkManager/system-connections/nkd-", "templates/butane/node-network.bu"));

    /** Systemd units nkd owns (by name prefix). */
    public static final List<Owned> UNITS = List.of(
            new Owned("nkd-", "templates/butane/bootstrap.bu"));

    private OwnedPaths() {
    }

    public static Optional<Owned> fileOwner(String path) {
        return FILES.stream().filter(o -> o.path().endsWith("-") ? path.startsWith(o.path()) : o.covers(path)).findFirst();
    }

    public static Optional<Owned> unitOwner(String unit) {
        return UNITS.stream().filter(o -> unit.startsWith(o.path())).findFirst();
    }
}
