package io.nkd.cli;

import io.nkd.pki.ClusterPki;
import io.nkd.pki.Kubeconfig;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.state.StateStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nkd kubeconfig CLUSTER}: the cluster's admin kubeconfig (kubeadm's admin.conf, as nkd generated it with the
 * cluster's PKI) from nkd's state directory, written to a file (mode 0600, atomically) or to standard output.
 */
@Command(name = "kubeconfig",
        mixinStandardHelpOptions = true,
        description = {"Print or write a cluster's admin kubeconfig from nkd's state directory.",
            "Its user (kubernetes-admin, group kubeadm:cluster-admins) is cluster-admin: treat the file as a password."},
        footer = {"", "Examples:", "  nkd kubeconfig prod --state-dir /var/lib/nkd --output ~/.kube/prod.conf",
            "  nkd kubeconfig prod --state-dir /var/lib/nkd --output ~/.kube/prod.conf --force",
            "  nkd kubeconfig prod --state-dir /var/lib/nkd > prod.conf"})
final class KubeconfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster's name (metadata.name in Git).")
    String cluster;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
    Path stateDir;

    @Option(names = {"--output", "-f"}, paramLabel = "FILE",
            description = "Write to FILE (mode 0600, atomically) instead of standard output.")
    Path output;

    @Option(names = "--force", description = "Replace FILE if it exists.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        StateStore store = StateDirs.openExisting(stateDir);
        byte[] adminConf = adminConf(store);
        Kubeconfig parsed;
        try {
            parsed = Kubeconfig.parse(adminConf);
        } catch (IllegalArgumentException e) {
            throw new UserException("the admin kubeconfig of cluster " + cluster + " in " + stateDir + " is unreadable ("
                    + e.getMessage() + "); restore the state directory from a backup");
        }
        if (output == null) {
            if (System.console() != null) {
                System.err.println("warning: this is the admin credential of cluster " + cluster + " (cluster-admin); it is"
                        + " printed to your terminal. Use --output FILE to write it to a file only you can read.");
            }
            OutputStream out = System.out;
            out.write(adminConf);
            out.flush();
            return 0;
        }
        if (java.nio.file.Files.isDirectory(output)) {
            // --force would replace nothing here: the rename onto a directory fails after a temporary file was written
            throw new UserException("--output " + output + " is a directory; give a file name, e.g. --output "
                    + output.resolve(cluster + ".conf"));
        }
        write(output, adminConf, force);
        System.err.println("wrote the admin kubeconfig of cluster " + cluster + " to " + output + " (mode 0600; server "
                + parsed.server() + ", user " + parsed.userName() + ")");
        return 0;
    }

    private byte[] adminConf(StateStore store) {
        List<String> known = io.nkd.config.ReservedNames.userClusters(StateDirs.call(store::listClusters));
        if (!known.contains(cluster)) {
            throw new UserException("the state directory " + stateDir + " has no cluster " + cluster + " (it has: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + "); a cluster's PKI and kubeconfig are generated"
                    + " on its first reconcile (nkd serve or nkd reconcile)");
        }
        String path = ClusterSecrets.PKI_DIR + ClusterPki.ADMIN_CONF;
        return StateDirs.call(() -> store.view(cluster).read(path)).orElseThrow(() -> new UserException("cluster " + cluster
                + " has no PKI yet in " + stateDir + ": nkd generates it (with the admin kubeconfig) on the cluster's first"
                + " reconcile; run nkd serve or nkd reconcile, then try again"));
    }

    /** Into a temporary file created 0600 next to the target, synced, then renamed over it: never half a credential. */
    static void write(Path file, byte[] content, boolean force) throws IOException {
        Path target = file.toAbsolutePath();
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new UserException(file + " exists; nkd kubeconfig does not overwrite it without --force");
        }
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserException("cannot write " + file + ": its directory " + dir + " does not exist");
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            try {
                if (force) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    // no REPLACE_EXISTING: a file made meanwhile is not overwritten (rename(2) would replace it, so link)
                    try {
                        Files.createLink(target, tmp);
                    } catch (UnsupportedOperationException e) {
                        Files.move(tmp, target);
                    }
                }
            } catch (AtomicMoveNotSupportedException e) {
                throw new UserException("cannot write " + file + " atomically (" + e.getMessage() + ")");
            } catch (FileAlreadyExistsException e) {
                throw new UserException(file + " exists; nkd kubeconfig does not overwrite it without --force");
            }
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
