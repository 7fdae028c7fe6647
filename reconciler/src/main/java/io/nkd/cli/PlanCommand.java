package io.nkd.cli;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.plan.Plan;
import io.nkd.plan.PlanFormat;
import io.nkd.plan.Planner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd plan}: what merging a change to the config repository would do; the pull-request review. */
@Command(name = "plan",
        mixinStandardHelpOptions = true,
        // 2 means "changes to review", so a mistyped option must not exit with picocli's default 2
        exitCodeOnInvalidInput = 1,
        description = {
            "Show what merging HEAD into BASE would do to every cluster, exactly as the daemon "
                    + "would do it: errors and refused steps, machines to create and delete, each pool's "
                    + "rendered Ignition diff (contents decoded, secrets as placeholders), and each change "
                    + "the daemon does not carry out yet, marked as not applied (machines whose settings "
                    + "changed, OS and Kubernetes upgrades with their future rollout order, add-ons).",
            "Reads only the Git repository: no credentials, no state directory, no cluster.",
            "Exit 0: no changes; 2: changes to review; 1: errors (an invalid head, a refused "
                    + "step, or a bad option or revision)."
        },
        footer = {"", "Examples:",
            "  nkd plan --repo . --base origin/main --head HEAD",
            "  nkd plan --repo . --base origin/main --head HEAD --format markdown > plan.md",
            "  nkd plan --repo . --base v1 --head v2 --format json"})
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".",
            description = "The config repository, a Git working copy or bare repository (default: the current directory).")
    Path repo;

    @Option(names = "--base", required = true, paramLabel = "REV",
            description = "The revision the change starts from (branch, tag, commit), e.g. the target branch.")
    String base;

    @Option(names = "--head", paramLabel = "REV", defaultValue = "HEAD",
            description = "The revision with the change (default: HEAD).")
    String head;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text, markdown (a pull-request comment) or json (for tools).")
    PlanFormat format;

    @Override
    public Integer call() {
        if (!Files.isDirectory(repo)) {
            throw new UserException("config repository " + repo + " does not exist or is not a directory");
        }
        if (new FileRepositoryBuilder().findGitDir(repo.toFile()).getGitDir() == null) {
            throw new UserException(repo + " is not in a Git repository; nkd plan compares two revisions of one");
        }
        Plan plan = Planner.plan(snapshot("--base", base), snapshot("--head", head));
        System.out.print(format.print(plan));
        System.out.flush();
        return plan.exitCode();
    }

    private Snapshot snapshot(String option, String revision) {
        try {
            return Snapshots.fromGit(repo, revision);
        } catch (IOException e) {
            throw new UserException(option + " " + revision + ": " + Failures.describe(e));
        } catch (IllegalArgumentException e) {
            // JGit reports a malformed expression (HEAD^{x) as a RevisionSyntaxException without a useful message
            throw new UserException(option + " " + revision + ": not a valid Git revision (a branch, tag, commit id or "
                    + "an expression such as origin/main~1)");
        }
    }
}
