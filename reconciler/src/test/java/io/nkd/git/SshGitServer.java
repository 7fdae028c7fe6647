package io.nkd.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Collection;
import java.util.List;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.KeySetPublickeyAuthenticator;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A minimal Git-over-SSH server on loopback: Apache MINA SSHD (present through JGit's SSH transport) with
 * public-key authentication only and a command factory that runs JGit's {@link UploadPack} /
 * {@link ReceivePack} on the bare repositories of a directory.
 */
final class SshGitServer implements AutoCloseable {
    private final SshServer sshd;
    private final PublicKey hostKey;

    private SshGitServer(SshServer sshd, PublicKey hostKey) {
        this.sshd = sshd;
        this.hostKey = hostKey;
    }

    static SshGitServer start(Path repos, Path hostKeyFile, Collection<PublicKey> authorized) throws Exception {
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(hostKeyFile);
        sshd.setKeyPairProvider(keys);
        sshd.setPublickeyAuthenticator(new KeySetPublickeyAuthenticator("test", authorized));
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setCommandFactory((channel, command) -> new GitCommand(repos, command));
        sshd.start();
        KeyPair host = keys.loadKeys(null).iterator().next();
        return new SshGitServer(sshd, host.getPublic());
    }

    int port() {
        return sshd.getPort();
    }

    String url(String repo) {
        return "ssh://git@127.0.0.1:" + port() + "/" + repo + ".git";
    }

    /** The known_hosts line for this server, as {@code ssh-keyscan -p PORT 127.0.0.1} would print it. */
    String knownHostsLine() {
        return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey);
    }

    PublicKey hostKey() {
        return hostKey;
    }

    static PublicKey readPublicKey(Path pubFile) throws Exception {
        return AuthorizedKeyEntry.parseAuthorizedKeyEntry(Files.readString(pubFile).trim())
                .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
    }

    @Override
    public void close() throws IOException {
        sshd.stop(true);
    }

    /** {@code git-upload-pack '/name.git'} or {@code git-receive-pack '/name.git'}. */
    private static final class GitCommand implements Command {
        private final Path repos;
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        GitCommand(Path repos, String command) {
            this.repos = repos;
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback exit) {
            this.exit = exit;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            Thread t = new Thread(() -> run(env), "ssh-git");
            t.setDaemon(true);
            t.start();
        }

        private void run(Environment env) {
            int status = 0;
            try {
                String[] parts = command.split(" ", 2);
                String path = parts[1].replace("'", "").replaceFirst("^/", "");
                try (Repository repo = new FileRepositoryBuilder().setGitDir(repos.resolve(path).toFile())
                        .setMustExist(true).build()) {
                    String protocol = env.getEnv().get("GIT_PROTOCOL");
                    if (parts[0].equals("git-upload-pack")) {
                        UploadPack up = new UploadPack(repo);
                        if (protocol != null) {
                            up.setExtraParameters(List.of(protocol.split(":")));
                        }
                        up.upload(in, out, err);
                    } else if (parts[0].equals("git-receive-pack")) {
                        new ReceivePack(repo).receive(in, out, err);
                    } else {
                        status = 127;
                    }
                }
            } catch (Exception e) {
                status = 1;
                try {
                    err.write((e.getMessage() + "\n").getBytes());
                    err.flush();
                } catch (IOException ignored) {
                    // the client went away
                }
            } finally {
                exit.onExit(status);
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
