package io.nkd.git;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Host-key checking against one OpenSSH {@code known_hosts} file, strictly: a host that is not in the
 * file, or offers a key the file does not list, is refused. Nothing is ever written to the file (no trust
 * on first use: a daemon has nobody to ask).
 *
 * <p>JGit's own database reads the user's {@code ~/.ssh} and can ask or accept new keys depending on the
 * ssh config; nkd must not depend on whose home directory the daemon runs in. The file is read at each
 * connection so an edited known_hosts takes effect without a restart. Hashed host names, {@code [host]:port}
 * patterns, wildcards and the {@code @revoked} marker are understood; {@code @cert-authority} lines
 * (host certificates) are not supported and are ignored.
 *
 * <p>JGit reports a refused key only as "server key did not validate", so the last refusal is kept for
 * the caller to turn into {@link GitException.HostKeyRejected} with the host, the file and the fingerprint.
 */
final class KnownHostsDatabase implements ServerKeyDatabase {
    /** Why a key was refused. */
    enum Reason { UNKNOWN_HOST, KEY_MISMATCH, REVOKED, FILE_UNREADABLE }

    record Rejection(String host, Path knownHosts, String fingerprint, Reason reason, String detail) {
        String message() {
            String where = " in known_hosts file " + knownHosts;
            return switch (reason) {
                case UNKNOWN_HOST -> "host key verification failed: host " + host + " is not listed" + where
                        + " (the server offered " + fingerprint + "); add the server's key, e.g. from "
                        + "ssh-keyscan, after checking its fingerprint";
                case KEY_MISMATCH -> "host key verification failed: the key " + host + " offered (" + fingerprint
                        + ") is not the one listed" + where + "; the server's key changed or someone is "
                        + "intercepting the connection";
                case REVOKED -> "host key verification failed: the key " + host + " offered (" + fingerprint
                        + ") is marked @revoked" + where;
                case FILE_UNREADABLE -> "host key verification failed for " + host + ": cannot read known_hosts file "
                        + knownHosts + " (" + detail + ")";
            };
        }
    }

    private final Path knownHosts;
    private final AtomicReference<Rejection> lastRejection = new AtomicReference<>();

    KnownHostsDatabase(Path knownHosts) {
        this.knownHosts = knownHosts.toAbsolutePath().normalize();
    }

    Path file() {
        return knownHosts;
    }

    /** The most recent refusal, if any, cleared by {@link #clearRejection()}. */
    Optional<Rejection> lastRejection() {
        return Optional.ofNullable(lastRejection.get());
    }

    void clearRejection() {
        lastRejection.set(null);
    }

    @Override
    public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
        // lets the client prefer the key algorithms the file has for this host
        List<PublicKey> keys = new ArrayList<>();
        try {
            for (Entry e : entries(connectAddress)) {
                if (!e.revoked()) {
                    keys.add(e.key());
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return keys;
    }

    @Override
    public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
            Configuration config, CredentialsProvider provider) {
        String fingerprint = KeyUtils.getFingerPrint(serverKey);
        List<Entry> entries;
        try {
            entries = entries(connectAddress);
        } catch (IOException e) {
            String detail = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
            reject(connectAddress, fingerprint, Reason.FILE_UNREADABLE, detail);
            return false;
        }
        boolean listed = false;
        for (Entry e : entries) {
            if (KeyUtils.compareKeys(e.key(), serverKey)) {
                if (e.revoked()) {
                    reject(connectAddress, fingerprint, Reason.REVOKED, null);
                    return false;
                }
                listed = true;
            }
        }
        if (listed) {
            return true;
        }
        boolean hostKnown = entries.stream().anyMatch(e -> !e.revoked());
        reject(connectAddress, fingerprint, hostKnown ? Reason.KEY_MISMATCH : Reason.UNKNOWN_HOST, null);
        return false;
    }

    private void reject(String host, String fingerprint, Reason reason, String detail) {
        lastRejection.set(new Rejection(host, knownHosts, fingerprint, reason, detail));
    }

    private record Entry(PublicKey key, boolean revoked) {
    }

    /** The file's keys for a host given as JGit gives it: {@code host} or {@code [host]:port}. */
    private List<Entry> entries(String connectAddress) throws IOException {
        String host = connectAddress;
        int port = 22;
        if (connectAddress.startsWith("[")) {
            int close = connectAddress.indexOf("]:");
            if (close > 0) {
                host = connectAddress.substring(1, close);
                port = Integer.parseInt(connectAddress.substring(close + 2));
            }
        }
        List<Entry> out = new ArrayList<>();
        for (KnownHostEntry line : KnownHostEntry.readKnownHostEntries(knownHosts)) {
            String marker = line.getMarker();
            if (line.getKeyEntry() == null || "cert-authority".equals(marker) || !line.isHostMatch(host, port)) {
                continue;
            }
            try {
                PublicKey key = line.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
                if (key != null) {
                    out.add(new Entry(key, "revoked".equals(marker)));
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // a line with an unsupported key type cannot match the server's key; the others still count
            }
        }
        return out;
    }
}
