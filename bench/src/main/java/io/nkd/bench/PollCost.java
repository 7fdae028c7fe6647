package io.nkd.bench;

import io.nkd.git.FetchOutcome;
import io.nkd.git.RepoFollower;
import io.nkd.git.RepoSource;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cost of a poll when nothing changed: RepoFollower.fetch() against a real Git server after the first fetch.
 * Prints mean, p50, p99 and max over N polls. Usage: PollCost URL WORKDIR [N]
 */
public final class PollCost {
    private PollCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        try (RepoFollower follower = RepoFollower.open(RepoSource.of(args[0]), Path.of(args[1]))) {
            follower.fetch();
            for (int i = 0; i < 20; i++) {
                follower.fetch(); // warm up
            }
            long[] nanos = new long[n];
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                FetchOutcome o = follower.fetch();
                nanos[i] = System.nanoTime() - t;
                if (!(o instanceof FetchOutcome.Unchanged)) {
                    throw new IllegalStateException("the repository changed during the measurement: " + o);
                }
            }
            Arrays.sort(nanos);
            double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
            System.out.printf("unchanged poll over %d polls: mean %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", n, mean,
                    nanos[n / 2] / 1e6, nanos[(int) (n * 0.99) - 1] / 1e6, nanos[n - 1] / 1e6);
        }
    }
}
