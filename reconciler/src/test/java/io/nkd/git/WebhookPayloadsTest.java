package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** Push payloads in each provider's shape (trimmed to realistic essentials), signed and then parsed. */
class WebhookPayloadsTest {
    static final byte[] SECRET = "hook-secret".getBytes(StandardCharsets.UTF_8);
    static final String AFTER = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    static final String BEFORE = "0000000000000000000000000000000000000000";

    static final String GITHUB_PUSH = """
            {
              "ref": "refs/heads/main",
              "before": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
              "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
              "created": false,
              "deleted": false,
              "forced": true,
              "base_ref": null,
              "compare": "https://github.com/acme/clusters/compare/9049f1265b7d...6113728f27ae",
              "commits": [{"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "Scale workers to 5",
                           "author": {"name": "Ops", "email": "ops@acme.example"}}],
              "head_commit": {"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"},
              "repository": {
                "id": 1296269, "name": "clusters", "full_name": "acme/clusters", "private": true,
                "html_url": "https://github.com/acme/clusters",
                "clone_url": "https://github.com/acme/clusters.git",
                "ssh_url": "git@github.com:acme/clusters.git",
                "default_branch": "main"
              },
              "pusher": {"name": "ops", "email": "ops@acme.example"},
              "sender": {"login": "ops", "id": 1}
            }
            """;

    static final String GITEA_PUSH = """
            {
              "ref": "refs/tags/v1.3.0",
              "before": "0000000000000000000000000000000000000000",
              "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
              "compare_url": "",
              "commits": [],
              "total_commits": 0,
              "head_commit": null,
              "repository": {
                "id": 12, "owner": {"login": "acme"}, "name": "clusters", "full_name": "acme/clusters",
                "html_url": "https://git.acme.example/acme/clusters",
                "ssh_url": "git@git.acme.example:acme/clusters.git",
                "clone_url": "https://git.acme.example/acme/clusters.git",
                "default_branch": "main"
              },
              "pusher": {"login": "ops"},
              "sender": {"login": "ops"}
            }
            """;

    static final String GITLAB_PUSH = """
            {
              "object_kind": "push",
              "event_name": "push",
              "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
              "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
              "ref": "refs/heads/production",
              "ref_protected": true,
              "checkout_sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
              "user_username": "ops",
              "project_id": 15,
              "project": {
                "id": 15, "name": "clusters", "path_with_namespace": "infra/clusters",
                "web_url": "https://gitlab.acme.example/infra/clusters",
                "git_ssh_url": "git@gitlab.acme.example:infra/clusters.git",
                "git_http_url": "https://gitlab.acme.example/infra/clusters.git",
                "default_branch": "main"
              },
              "commits": [{"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "Upgrade to 1.29"}],
              "total_commits_count": 1,
              "repository": {"name": "clusters", "url": "git@gitlab.acme.example:infra/clusters.git"}
            }
            """;

    static final String GITLAB_BRANCH_DELETED = """
            {"object_kind": "push", "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
             "after": "0000000000000000000000000000000000000000", "ref": "refs/heads/feature-x",
             "checkout_sha": null, "project": {"git_http_url": "https://gitlab.acme.example/infra/clusters.git"},
             "commits": [], "total_commits_count": 0}
            """;

    static final String GITHUB_PING = """
            {"zen": "Keep it logically awesome.", "hook_id": 42,
             "hook": {"type": "Repository", "events": ["push"], "config": {"content_type": "json"}}}
            """;

    private static Map<String, List<String>> headers(String... nameValue) {
        java.util.Map<String, List<String>> h = new java.util.TreeMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.put(nameValue[i], List.of(nameValue[i + 1]));
        }
        return h;
    }

    /** Verifies like the server will, then parses. */
    private static WebhookEvent receive(Map<String, List<String>> h, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        WebhookVerification v = WebhookVerifier.verify(h, bytes, SECRET);
        assertTrue(v.valid(), v.describe());
        return WebhookPayloads.parse(v.provider().orElseThrow(), h, bytes);
    }

    private static String sig(String body) {
        return WebhookVerifier.sign(body.getBytes(StandardCharsets.UTF_8), SECRET);
    }

    @Test
    void githubPush() {
        WebhookEvent e = receive(headers("X-GitHub-Event", "push", "X-Hub-Signature-256", sig(GITHUB_PUSH)), GITHUB_PUSH);
        assertEquals(new WebhookEvent.Push(WebhookProvider.GITHUB, "refs/heads/main",
                Optional.of(ObjectId.fromString(AFTER)), false, List.of("https://github.com/acme/clusters.git",
                "git@github.com:acme/clusters.git", "https://github.com/acme/clusters")), e);
        WebhookEvent.Push push = (WebhookEvent.Push) e;
        assertTrue(push.concerns(RefSelector.defaultBranch()));
        assertFalse(push.concerns(new RefSelector.Branch("production")), "a push to another branch is ignored");
        assertFalse(push.concerns(new RefSelector.Semver("^1")));
        assertFalse(push.concerns(new RefSelector.Commit(AFTER)));
    }

    @Test
    void giteaAndForgejoTagPush() {
        String giteaSig = sig(GITEA_PUSH).substring(7);
        WebhookEvent gitea = receive(headers("X-Gitea-Event", "push", "X-Gitea-Signature", giteaSig), GITEA_PUSH);
        WebhookEvent.Push push = assertInstanceOf(WebhookEvent.Push.class, gitea);
        assertEquals(WebhookProvider.GITEA, push.provider());
        assertEquals("refs/tags/v1.3.0", push.ref());
        assertEquals(List.of("https://git.acme.example/acme/clusters.git", "git@git.acme.example:acme/clusters.git",
                "https://git.acme.example/acme/clusters"), push.repositoryUrls());
        assertTrue(push.concerns(new RefSelector.Semver(">=1.0.0")), "any tag push may change a semver selection");
        assertTrue(push.concerns(new RefSelector.Tag("v1.3.0")));
        assertFalse(push.concerns(new RefSelector.Tag("v1.2.0")));
        assertFalse(push.concerns(RefSelector.defaultBranch()));

        WebhookEvent forgejo = receive(headers("X-Forgejo-Event", "push", "X-Forgejo-Signature", giteaSig,
                "X-Gitea-Event", "push", "X-Gitea-Signature", giteaSig), GITEA_PUSH);
        assertEquals(WebhookProvider.FORGEJO, forgejo.provider());
        assertEquals("refs/tags/v1.3.0", ((WebhookEvent.Push) forgejo).ref());
    }

    @Test
    void gitlabPushAndDeletion() {
        WebhookEvent e = receive(headers("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "hook-secret"), GITLAB_PUSH);
        assertEquals(new WebhookEvent.Push(WebhookProvider.GITLAB, "refs/heads/production",
                Optional.of(ObjectId.fromString(AFTER)), false, List.of("https://gitlab.acme.example/infra/clusters",
                "git@gitlab.acme.example:infra/clusters.git", "https://gitlab.acme.example/infra/clusters.git")
                .stream().sorted().toList()), sortUrls(e));
        assertTrue(((WebhookEvent.Push) e).concerns(new RefSelector.Branch("production")));

        WebhookEvent.Push deleted = assertInstanceOf(WebhookEvent.Push.class, receive(
                headers("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "hook-secret"), GITLAB_BRANCH_DELETED));
        assertTrue(deleted.deleted());
        assertEquals("refs/heads/feature-x", deleted.ref());
        assertEquals(Optional.of(ObjectId.fromString(BEFORE)), deleted.after());
    }

    private static WebhookEvent sortUrls(WebhookEvent e) {
        WebhookEvent.Push p = (WebhookEvent.Push) e;
        return new WebhookEvent.Push(p.provider(), p.ref(), p.after(), p.deleted(),
                p.repositoryUrls().stream().sorted().toList());
    }

    @Test
    void genericPush() {
        String body = "{\"ref\": \"refs/heads/main\", \"repository\": \"https://git.acme.example/clusters.git\"}";
        WebhookEvent e = receive(headers("X-Nkd-Signature", sig(body)), body);
        assertEquals(new WebhookEvent.Push(WebhookProvider.GENERIC, "refs/heads/main", Optional.empty(), false,
                List.of("https://git.acme.example/clusters.git")), e);
    }

    @Test
    void nonPushEventsAreIgnored() {
        assertEquals(new WebhookEvent.Ignored(WebhookProvider.GITHUB, "ping"),
                receive(headers("X-GitHub-Event", "ping", "X-Hub-Signature-256", sig(GITHUB_PING)), GITHUB_PING));
        assertEquals(new WebhookEvent.Ignored(WebhookProvider.GITLAB, "Merge Request Hook"),
                receive(headers("X-Gitlab-Event", "Merge Request Hook", "X-Gitlab-Token", "hook-secret"), "{}"));
    }

    @Test
    void malformedPushPayloadsAreInvalidWithoutQuotingThem() {
        String notJson = "{\"ref\": refs/heads/main";
        WebhookEvent.Invalid bad = assertInstanceOf(WebhookEvent.Invalid.class,
                receive(headers("X-GitHub-Event", "push", "X-Hub-Signature-256", sig(notJson)), notJson));
        assertFalse(bad.reason().contains("refs/heads/main"), bad.reason());
        assertTrue(bad.reason().startsWith("push payload is not JSON (at line 1"), bad.reason());
        for (String body : List.of("[]", "{\"ref\": \"main\"}", "{\"ref\": \"refs/heads/main\", \"after\": \"xyz\"}")) {
            assertInstanceOf(WebhookEvent.Invalid.class,
                    receive(headers("X-GitHub-Event", "push", "X-Hub-Signature-256", sig(body)), body), body);
        }
    }
}
