package io.nkd.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan view's answers name the revisions that were asked for, also when the plan itself comes from the cache. */
class PlanServiceTest {
    @TempDir
    Path tmp;

    @Test
    void aCachedPlanNamesTheRevisionsOfThisRequest() throws Exception {
        try (Git git = Git.init().setDirectory(tmp.toFile()).setInitialBranch("main").call()) {
            Files.writeString(tmp.resolve("README.md"), "config\n");
            git.add().addFilepattern("README.md").call();
            git.commit().setMessage("first").setAuthor("t", "t@example.com").setCommitter("t", "t@example.com").setSign(false).call();
            git.tag().setName("v1").call();
        }
        PlanService plans = new PlanService(Optional.of(tmp), null);
        PlanService.Answer first = plans.plan("main", "main");
        assertEquals(200, first.status(), String.valueOf(first.body()));
        PlanService.Answer second = plans.plan("v1", "HEAD");
        assertEquals(200, second.status(), String.valueOf(second.body()));
        Map<?, ?> body = (Map<?, ?>) second.body();
        assertEquals("v1", ((Map<?, ?>) body.get("base")).get("revision"));
        assertEquals("HEAD", ((Map<?, ?>) body.get("head")).get("revision"));
        // and the first answer, given earlier, is not changed by the second
        assertEquals("main", ((Map<?, ?>) ((Map<?, ?>) first.body()).get("base")).get("revision"));
    }
}
