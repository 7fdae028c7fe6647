package io.nkd.housekeeper.agent.rpmostree;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.OsDeployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's deployments as {@code rpm-ostree status --json} lists them.
 *
 * <p>rpm-ostree lists deployments in boot order: the first is the default for the next boot. After {@code rpm-ostree
 * rebase} the new deployment is first and {@code staged}; after {@code rpm-ostree rollback} the previous deployment
 * moves to the front without being staged. {@link #nextBoot()} covers both, which is what lets the agent see, after a
 * restart, that a rebase or rollback already happened and must not be done again.
 */
public record RpmOstreeStatus(List<RpmOstreeDeployment> deployments) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public RpmOstreeStatus {
        deployments = List.copyOf(deployments);
    }

    /** @throws IllegalArgumentException when the text is not rpm-ostree's JSON or lists no booted deployment */
    public static RpmOstreeStatus parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("rpm-ostree status --json printed no valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("deployments");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("rpm-ostree status --json has no \"deployments\" list");
        }
        List<RpmOstreeDeployment> deployments = new ArrayList<>();
        for (JsonNode d : list) {
            deployments.add(new RpmOstreeDeployment(
                    new OsDeployment(image(d), digest(d), text(d, "checksum"), text(d, "version")),
                    d.path("booted").asBoolean(false), d.path("staged").asBoolean(false)));
        }
        RpmOstreeStatus status = new RpmOstreeStatus(deployments);
        if (status.bootedDeployment().isEmpty()) {
            throw new IllegalArgumentException("rpm-ostree status --json lists no booted deployment");
        }
        return status;
    }

    /** The container image without rpm-ostree's transport ({@code quay.io/fedora/fedora-coreos:stable}). */
    private static String image(JsonNode d) {
        String ref = text(d, "container-image-reference");
        return ref == null ? null : ImageReference.parse(ref).toString();
    }

    /** The manifest digest the image was pulled at; older rpm-ostree only has it in the base commit's metadata. */
    private static String digest(JsonNode d) {
        String digest = text(d.path("base-commit-meta"), "ostree.manifest-digest");
        return digest != null ? digest : text(d, "container-image-reference-digest");
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private Optional<RpmOstreeDeployment> bootedDeployment() {
        return deployments.stream().filter(RpmOstreeDeployment::booted).findFirst();
    }

    public OsDeployment booted() {
        return bootedDeployment().map(RpmOstreeDeployment::os).orElseThrow();
    }

    /** The deployment staged for the next boot, or null. */
    public OsDeployment staged() {
        return deployments.stream().filter(RpmOstreeDeployment::staged).findFirst().map(RpmOstreeDeployment::os)
                .orElse(null);
    }

    /** The first deployment neither booted nor staged: what {@code rpm-ostree rollback} would boot; or null. */
    public OsDeployment rollback() {
        return deployments.stream().filter(d -> !d.booted() && !d.staged()).findFirst().map(RpmOstreeDeployment::os)
                .orElse(null);
    }

    /** What the next boot starts: the first deployment. Equal to {@link #booted()} when nothing is pending. */
    public OsDeployment nextBoot() {
        return deployments.get(0).os();
    }

    /** A deployment other than the booted one will start at the next boot (a staged rebase or a rollback). */
    public boolean changePending() {
        return !deployments.get(0).booted();
    }
}
