package io.nkd.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane;
import io.nkd.config.ClusterSpec;
import io.nkd.config.ImageCatalog;
import io.nkd.config.LoadedCluster;
import io.nkd.config.NodePool;
import io.nkd.config.Snippet;
import io.nkd.config.Topology;
import io.nkd.ignition.merge.IgnitionMerger;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.ignition.validate.IgnitionValidator;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Renders a valid cluster into Ignition: per pool, nkd's templates for the pool's role and runtime, then the
 * user's snippets (all-pool first, then the pool's, each in file-name order), merged with Ignition's merge
 * rules and validated; per node, a small overlay with its host name and static address. Pure and
 * deterministic: the same inputs give byte-identical output.
 */
public final class ClusterRenderer {
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private ClusterRenderer() {
    }

    public static RenderedCluster render(LoadedCluster cluster, Map<String, ImageCatalog.Release> images, BootstrapSecrets secrets) {
        return render(cluster, images, secrets, null);
    }

    /**
     * As {@link #render(LoadedCluster, Map, BootstrapSecrets)}, with every node overlay carrying {@code joinToken}
     * ({@code id.secret}) in {@code /etc/nkd/join-token}: the fresh bootstrap token machines created on a running cluster
     * join with. The pool configs (and their versions) are the same as without it: a token refresh is not a new
     * version of a pool. The overlays' versions change with the token (their bytes do); a pointer pins the overlay it
     * was made with, so a machine keeps the token it was created with.
     *
     * @param joinToken null for overlays without a token (nodes then join with the pool's, the cluster's first token)
     */
    public static RenderedCluster render(LoadedCluster cluster, Map<String, ImageCatalog.Release> images, BootstrapSecrets secrets,
                                         String joinToken) {
        Report report = new Report();
        if (!cluster.valid()) {
            report.add(new Entry(Severity.ERROR, "InvalidCluster", null, null, "cluster " + cluster.name()
                    + " is not valid; run nkd validate for its problems", cluster.document().file()));
            return new RenderedCluster(cluster.name(), List.of(), List.of(), report);
        }
        ClusterSpec spec = cluster.spec();
        ImageCatalog.Release image = TemplateModel.resolveImage(spec, images);
        IgnitionVersion target = IgnitionVersion.parse(spec.ignition().version()).orElseThrow();
        String initNode = Topology.initNode(cluster.name(), spec);
        List<RenderedConfig> pools = new ArrayList<>();
        List<RenderedConfig> nodes = new ArrayList<>();
        for (NodePool pool : spec.pools()) {
            Map<String, Object> model = TemplateModel.forPool(cluster.name(), spec, pool, image.osImageURL(), image.osVersion(),
                    initNode, secrets);
            Map<String, Object> reviewModel = TemplateModel.forPool(cluster.name(), spec, pool, image.osImageURL(),
                    image.osVersion(), initNode, BootstrapSecrets.placeholders());
            ObjectNode config = renderPool(cluster, pool, model, target, report);
            // the version id comes from the placeholder rendering, so rotating a secret is not a new version
            ObjectNode forHash = secrets.equals(BootstrapSecrets.placeholders()) ? config
                    : renderPool(cluster, pool, reviewModel, target, new Report());
            if (config == null || forHash == null) {
                continue;
            }
            pools.add(new RenderedConfig(pool.name(), "rendered-" + pool.name() + "-" + hash(forHash), config));
            for (Topology.PlannedNode n : Topology.nodes(cluster.name(), pool)) {
                Map<String, Object> nodeModel = TemplateModel.forNode(model, n.name(), n.ip(), n.mac(), pool.network());
                if (joinToken != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> node = new java.util.LinkedHashMap<>((Map<String, Object>) nodeModel.get("node"));
                    node.put("joinToken", true);
                    node.put("joinTokenLine", joinToken + "\n");
                    nodeModel.put("node", node);
                }
                ObjectNode overlay = translate("templates/butane/node-network.bu", Templates.butane("node-network")
                        .render(withFiles(nodeModel)), target, report);
                if (overlay != null) {
                    nodes.add(new RenderedConfig(n.name(), "rendered-" + n.name() + "-" + hash(overlay), overlay));
                }
            }
        }
        return new RenderedCluster(cluster.name(), List.copyOf(pools), List.copyOf(nodes), report);
    }

    private static ObjectNode renderPool(LoadedCluster cluster, NodePool pool, Map<String, Object> model, IgnitionVersion target,
                                         Report report) {
        Map<String, Object> full = withFiles(model);
        String runtime = cluster.spec().kubernetes().runtime().wire();
        ObjectNode acc = null;
        for (String name : List.of("node-base", "runtime-" + runtime, "kubelet", "kubeadm", "os-rebase")) {
            ObjectNode part = translate("templates/butane/" + name + ".bu", Templates.butane(name).render(full), target, report);
            if (part == null) {
                return null;
            }
            acc = acc == null ? part : IgnitionMerger.merge(acc, part).config();
        }
        for (Snippet s : cluster.snippetsFor(pool.name())) {
            ObjectNode part = translate(s.file(), s.text(), target, report);
            if (part == null) {
                return null;
            }
            acc = IgnitionMerger.merge(acc, part).config();
        }
        Report problems = IgnitionValidator.validate(acc, target);
        for (Entry e : problems.entries()) {
            if (e.isError()) {
                report.add(e.withFile("rendered config of pool " + pool.name()));
            }
        }
        return problems.hasErrors() ? null : acc;
    }

    /** Translates one Butane document and lifts it to the target Ignition version (3.x only adds fields). */
    private static ObjectNode translate(String file, String butane, IgnitionVersion target, Report report) {
        Butane.Result r = Butane.translate(butane, Butane.Options.defaults());
        for (Entry e : r.report().entries()) {
            if (e.isError()) {
                report.add(e.withFile(file));
            }
        }
        if (r.config() == null) {
            return null;
        }
        if (r.ignitionVersion().compareTo(target) > 0) {
            report.add(new Entry(Severity.ERROR, "SnippetTooNew", null, null, "produces Ignition " + r.ignitionVersion()
                    + ", newer than the cluster's " + target, file));
            return null;
        }
        ((ObjectNode) r.config().get("ignition")).put("version", target.text());
        return r.config();
    }

    private static Map<String, Object> withFiles(Map<String, Object> model) {
        Map<String, Object> files = new java.util.LinkedHashMap<>();
        Map<String, Object> m = new java.util.LinkedHashMap<>(model);
        m.put("files", files);
        for (String f : Templates.FILES) {
            if (f.equals("nm-keyfile") && !m.containsKey("node")) {
                continue;
            }
            files.put(Templates.modelName(f), Templates.file(f).render(m));
        }
        return m;
    }

    /** First 16 hex digits of SHA-256 over the config's canonical JSON (sorted keys). */
    static String hash(JsonNode config) {
        try {
            Object canonical = CANONICAL.treeToValue(config, Object.class);
            byte[] bytes = CANONICAL.writeValueAsString(canonical).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
