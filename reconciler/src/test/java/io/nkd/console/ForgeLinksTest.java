package io.nkd.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Links from a commit to its page, only on forges whose address scheme is known. */
class ForgeLinksTest {
    private static final String C = "0123456789abcdef0123456789abcdef01234567";

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
        "https://github.com/ops/clusters.git, https://github.com/ops/clusters/commit/" + C,
        "https://github.com/ops/clusters, https://github.com/ops/clusters/commit/" + C,
        "git@github.com:ops/clusters.git, https://github.com/ops/clusters/commit/" + C,
        "ssh://git@github.com/ops/clusters.git, https://github.com/ops/clusters/commit/" + C,
        "https://gitlab.com/group/sub/clusters.git, https://gitlab.com/group/sub/clusters/-/commit/" + C,
        "https://codeberg.org/ops/clusters.git, https://codeberg.org/ops/clusters/commit/" + C,
        "https://bitbucket.org/ops/clusters.git, https://bitbucket.org/ops/clusters/commits/" + C,
        "https://gitee.com/ops/clusters.git, https://gitee.com/ops/clusters/commit/" + C,
        "git@gitee.com:ops/clusters.git, https://gitee.com/ops/clusters/commit/" + C,
        "https://git.example.com/ops/clusters.git, -",
        "/srv/git/clusters, -",
        "file:///srv/git/clusters, -",
        "https://github.com/, -",
        "https://github.com/ops/clu\"sters, -",
    })
    void aKnownForgeGetsALinkAndNothingElseDoes(String url, String expected) {
        assertEquals(Optional.ofNullable(expected), ForgeLinks.commit(url, C));
    }
}
