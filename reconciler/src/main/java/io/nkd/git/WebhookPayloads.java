package io.nkd.git;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Reads the pushed ref out of each provider's push payload (only the fields nkd needs; everything else is
 * ignored, so new fields from the providers never break it):
 *
 * <ul>
 *   <li>GitHub ({@code X-GitHub-Event: push}), Gitea ({@code X-Gitea-Event: push}) and Forgejo
 *       ({@code X-Forgejo-Event: push}): {@code ref}, {@code after}, {@code deleted},
 *       {@code repository.clone_url}/{@code ssh_url}/{@code html_url};</li>
 *   <li>GitLab ({@code X-Gitlab-Event: Push Hook} or {@code Tag Push Hook}): {@code ref}, {@code after},
 *       {@code project.git_http_url}/{@code git_ssh_url}/{@code web_url} (or {@code repository.*});
 *       a deletion has {@code after} all zeros;</li>
 *   <li>generic ({@code X-Nkd-Event: push}, or no event header): {@code {"ref": "refs/heads/main",
 *       "after": "<commit>", "repository": "<url>"}}, only {@code ref} required.</li>
 * </ul>
 *
 * Call it after {@link WebhookVerifier} accepted the request.
 */
public final class WebhookPayloads {
    /**
     * Push payloads nest a few levels (GitHub's: 4); 64 leaves room for any provider while a hostile, deeply
     * nested body is refused as soon as the parser passes that depth, long before it could exhaust the stack.
     */
    static final int MAX_NESTING = 64;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build()).build());

    private WebhookPayloads() {
    }

    public static WebhookEvent parse(WebhookProvider provider, Map<String, List<String>> headers, byte[] body) {
        List<String> events = WebhookVerifier.header(headers, provider.eventHeader());
        String event = events.isEmpty() ? "" : events.get(0).trim();
        if (!isPush(provider, event)) {
            return new WebhookEvent.Ignored(provider, event);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (StreamConstraintsException e) {
            return new WebhookEvent.Invalid(provider, "push payload is nested deeper than " + MAX_NESTING + " levels");
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the input; the location is enough
            return new WebhookEvent.Invalid(provider, "push payload is not JSON (at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            return new WebhookEvent.Invalid(provider, "push payload is unreadable");
        }
        if (root == null || !root.isObject()) {
            return new WebhookEvent.Invalid(provider, "push payload is not a JSON object");
        }
        String ref = root.path("ref").asText("");
        if (!ref.startsWith("refs/")) {
            return new WebhookEvent.Invalid(provider, "push payload has no full ref name in \"ref\"");
        }
        Optional<ObjectId> after = Optional.empty();
        String afterText = root.path("after").asText("").toLowerCase(Locale.ROOT);
        if (!afterText.isEmpty()) {
            if (!ObjectId.isId(afterText)) {
                return new WebhookEvent.Invalid(provider, "push payload's \"after\" is not a commit id");
            }
            after = Optional.of(ObjectId.fromString(afterText));
        }
        boolean deleted = root.path("deleted").asBoolean(false)
                || after.map(id -> id.equals(ObjectId.zeroId())).orElse(false);
        return new WebhookEvent.Push(provider, ref, after, deleted, repositoryUrls(provider, root));
    }

    private static boolean isPush(WebhookProvider provider, String event) {
        return switch (provider) {
            case GITLAB -> event.equalsIgnoreCase("Push Hook") || event.equalsIgnoreCase("Tag Push Hook");
            case GENERIC -> event.isEmpty() || event.equalsIgnoreCase("push");
            case GITHUB, GITEA, FORGEJO -> event.equalsIgnoreCase("push");
        };
    }

    private static List<String> repositoryUrls(WebhookProvider provider, JsonNode root) {
        List<String> urls = new ArrayList<>();
        if (provider == WebhookProvider.GENERIC) {
            addText(urls, root.path("repository"));
            return urls;
        }
        JsonNode repo = provider == WebhookProvider.GITLAB && root.has("project") ? root.path("project") : root.path("repository");
        for (String field : List.of("clone_url", "ssh_url", "html_url", "git_http_url", "git_ssh_url", "web_url")) {
            addText(urls, repo.path(field));
        }
        return urls;
    }

    private static void addText(List<String> urls, JsonNode node) {
        if (node.isTextual() && !node.asText().isBlank() && !urls.contains(node.asText())) {
            urls.add(node.asText());
        }
    }
}
