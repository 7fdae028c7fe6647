package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nkd serve's replica flags refuse what cannot work, before anything starts, naming the flag and what to do. */
class ServeReplicaFlagsTest {
    @TempDir
    Path tmp;

    private CliRun serve(String... extra) {
        List<String> args = new ArrayList<>(List.of("serve", "--repo", tmp.resolve("no-repo").toString(), "--state-dir",
                tmp.resolve("scratch").toString(), "--listen", "127.0.0.1:0", "--ignition-listen", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        return CliRun.run("", args.toArray(String[]::new));
    }

    private static void refused(CliRun run, String expected) {
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains(expected), run.err());
    }

    @Test
    void aLeaseNeedsASharedState() {
        refused(serve("--leader-election-lease", "nkd"), "--leader-election-lease needs a shared state: --state kubernetes[:NAMESPACE]");
    }

    @Test
    void anotherDirectoryIsForReplicasAndNeedsALease() {
        refused(serve("--state", "local:" + tmp.resolve("shared")), "a state directory other than --state-dir is for several replicas,"
                + " which need --leader-election-lease NAME");
    }

    @Test
    void replicasShareOneApiToken() {
        refused(serve("--state", "kubernetes:nkd-system"), "runs several replicas, which must share one API token: give --api-token-file FILE");
    }

    @Test
    void theRenewDeadlineMustEndBeforeTheLease() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "0123456789abcdef0123456789abcdef");
        refused(serve("--state", "kubernetes:nkd-system", "--api-token-file", token.toString(), "--lease-duration", "10s",
                "--renew-deadline", "10s"), "--lease-duration (10000 ms) must be longer than --renew-deadline (10000 ms)");
        refused(serve("--state", "kubernetes:nkd-system", "--api-token-file", token.toString(), "--retry-period", "0s"),
                "--retry-period must be more than 0");
        refused(serve("--state", "kubernetes", "--api-token-file", token.toString(), "--leader-election-lease", "Not_A_Name"),
                "--leader-election-lease \"Not_A_Name\" is not a valid Lease name");
    }

    @Test
    void anUnknownStoreIsNamed() {
        refused(serve("--state", "etcd:foo"), "--state: unknown kind of store");
    }
}
