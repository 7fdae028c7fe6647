package io.nkd.git;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Tests against one real {@code git daemon} on loopback, started once per test class. */
abstract class GitDaemonTestBase {
    @TempDir
    static Path tmp;
    static GitDaemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = GitDaemon.start(tmp.resolve("served"));
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }
}
