package io.nkd.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.butane.Butane;
import io.nkd.config.CatalogChecks.Rules;
import io.nkd.config.NodePool.Role;
import io.nkd.config.UpgradePolicy.WindowOverride;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.Located;
import java.net.InetAddress;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quartz.CronExpression;

/** The rules a cluster definition must satisfy on its own (one revision). */
final class ClusterChecks {
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
    private static final String IMAGE_REFERENCE = "[A-Za-z0-9][A-Za-z0-9._/:@-]*";
    private static final java.util.regex.Pattern LABEL_KEY = java.util.regex.Pattern.compile(
            "(([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final java.util.regex.Pattern LABEL_VALUE = java.util.regex.Pattern.compile(
            "([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    /** Flag names and values go onto command lines and into systemd units: keep them to safe characters. */
    private static final java.util.regex.Pattern ARG_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final java.util.regex.Pattern ARG_VALUE = java.util.regex.Pattern.compile("[^\\s\"'`$\\\\]*");

    private ClusterChecks() {
    }

    static void check(String dirName, Located<ClusterDocument> doc, List<Snippet> snippets, List<String> manifests,
                      Map<String, ImageCatalog.Release> images, Report report) {
        Rules r = new Rules(doc, report);
        ClusterDocument d = doc.value();
        if (!ClusterDocument.API_VERSION.equals(d.apiVersion())) {
            r.error("BadApiVersion", FieldPath.of("apiVersion"), "apiVersion must be " + ClusterDocument.API_VERSION);
        }
        if (!"Cluster".equals(d.kind())) {
            r.error("BadKind", FieldPath.of("kind"), "kind must be Cluster in clusters/<name>/cluster.yaml");
        }
        if (!d.metadata().name().equals(dirName)) {
            r.error("NameMismatch", FieldPath.of("metadata", "name"), "metadata.name \"" + d.metadata().name()
                    + "\" must equal the directory name \"" + dirName + "\"; rename one of them");
        }
        if (ReservedNames.CLUSTERS.contains(dirName)) {
            r.error("ReservedName", FieldPath.of("metadata", "name"), "\"" + dirName + "\" is reserved for nkd's own state; rename the cluster");
        }
        if (!dirName.matches(DNS_LABEL)) {
            r.error("BadName", FieldPath.of("metadata", "name"), "cluster name \"" + dirName
                    + "\" must be a DNS label: lowercase letters, digits and '-', at most 63 characters");
        }
        ClusterSpec spec = d.spec();
        kubernetes(spec.kubernetes(), r);
        os(spec.os(), images, spec.kubernetes(), r);
        ignition(spec, r);
        pools(dirName, spec, r);
        BareMetalChecks.check(spec, r);
        upgrade(spec.upgrade(), r);
        windowOverride(spec, images, r);
        addons(spec.addons(), manifests, dirName, r);
        addonNames(spec, r);
        snippets(spec, snippets, report);
    }

    private static void kubernetes(KubernetesSpec k, Rules r) {
        FieldPath at = FieldPath.of("spec", "kubernetes");
        try {
            KubernetesVersion v = KubernetesVersion.parse(k.version());
            if (!v.isSupported()) {
                r.error("UnsupportedKubernetes", at.key("version"), "Kubernetes " + v + " is not supported; nkd supports "
                        + KubernetesVersion.OLDEST_SUPPORTED + " to v1." + KubernetesVersion.NEWEST_SUPPORTED_MINOR.minor() + ".x");
            }
        } catch (IllegalArgumentException e) {
            r.error("BadKubernetesVersion", at.key("version"), e.getMessage());
        }
        try {
            Endpoint.parse(k.controlPlaneEndpoint());
        } catch (IllegalArgumentException e) {
            r.error("BadEndpoint", at.key("controlPlaneEndpoint"), e.getMessage());
        }
        Cidr pods = cidr(k.podSubnet(), at.key("podSubnet"), r);
        Cidr services = cidr(k.serviceSubnet(), at.key("serviceSubnet"), r);
        if (pods != null && services != null && pods.overlaps(services)) {
            r.error("OverlappingSubnets", at.key("serviceSubnet"), "serviceSubnet " + services + " overlaps podSubnet "
                    + pods + "; pick disjoint ranges");
        }
        for (String[] image : new String[][] {{"imageRepository", k.imageRepository()}, {"pauseImage", k.pauseImage()}}) {
            if (!image[1].matches(IMAGE_REFERENCE)) {
                r.error("BadImageReference", at.key(image[0]), "\"" + image[1] + "\" is not a container image reference "
                        + "(registry/path[:tag][@digest], no spaces or quotes)");
            }
        }
        argsChecks(k, at, r);
        registries(k, at.key("registries"), r);
        if (!k.dnsDomain().matches(DNS_LABEL + "(\\." + DNS_LABEL + ")*")) {
            r.error("BadDnsDomain", at.key("dnsDomain"), "\"" + k.dnsDomain() + "\" is not a DNS domain");
        }
        for (int i = 0; i < k.apiServerCertSANs().size(); i++) {
            String san = k.apiServerCertSANs().get(i);
            if (!Cidr.isAddress(san) && !san.toLowerCase(java.util.Locale.ROOT).matches("(\\*\\.)?" + DNS_LABEL + "(\\." + DNS_LABEL + ")*")) {
                r.error("BadSan", at.key("apiServerCertSANs").index(i), "\"" + san + "\" is neither an IP address nor a DNS name");
            }
        }
    }

    /** host or host:port, as an image reference names its registry. */
    private static final java.util.regex.Pattern REGISTRY_HOST = java.util.regex.Pattern.compile(
            "(" + DNS_LABEL + "(\\." + DNS_LABEL + ")*|\\[[0-9a-fA-F:]+\\]|[0-9.]+)(:[0-9]{1,5})?");

    private static void registries(KubernetesSpec k, FieldPath at, Rules r) {
        Map<String, Integer> seen = new java.util.HashMap<>();
        boolean daemonJson = k.runtime() == KubernetesSpec.Runtime.DOCKER || k.runtime() == KubernetesSpec.Runtime.ISULAD;
        for (int i = 0; i < k.registries().size(); i++) {
            KubernetesSpec.Registry reg = k.registries().get(i);
            FieldPath p = at.index(i);
            String prefix = reg.prefix() == null ? "" : reg.prefix();
            if (!REGISTRY_HOST.matcher(prefix.toLowerCase(java.util.Locale.ROOT)).matches()) {
                r.error("BadRegistry", p.key("prefix"), "\"" + prefix + "\" is not a registry host: write host or host:port "
                        + "(e.g. docker.io, harbor.example.com:5000) without a scheme or a path");
                continue;
            }
            Integer first = seen.putIfAbsent(prefix.toLowerCase(java.util.Locale.ROOT), i);
            if (first != null) {
                r.error("DuplicateRegistry", p.key("prefix"), "registry " + prefix + " is already configured at registries["
                        + first + "]; merge the two entries");
            }
            if (daemonJson && !reg.mirrors().isEmpty() && !prefix.equals("docker.io")) {
                r.error("MirrorNotSupported", p.key("mirrors"), k.runtime().wire() + " knows mirrors for docker.io only "
                        + "(daemon.json registry-mirrors); use containerd or crio for mirrors of " + prefix);
            }
            for (int m = 0; m < reg.mirrors().size(); m++) {
                String mirror = reg.mirrors().get(m);
                java.net.URI uri;
                try {
                    uri = new java.net.URI(mirror);
                } catch (java.net.URISyntaxException e) {
                    uri = null;
                }
                if (uri != null && uri.getRawUserInfo() != null) {
                    // not repeated: whatever follows the scheme may be a real password typed into Git
                    r.error("BadMirror", p.key("mirrors").index(m), "mirror " + (m + 1) + " of registry " + prefix + " carries "
                            + "credentials; credentials do not belong in Git: remove them (nodes pull anonymously from mirrors)");
                } else if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                        || uri.getQuery() != null || uri.getFragment() != null) {
                    r.error("BadMirror", p.key("mirrors").index(m), "\"" + mirror + "\" is not a mirror URL: write https://host[:port][/path] "
                            + "(or http:// with insecure: true); credentials do not belong in Git");
                } else if ("http".equals(uri.getScheme()) && !reg.insecure()) {
                    r.error("InsecureMirror", p.key("mirrors").index(m), "mirror " + mirror + " is plain HTTP: set insecure: true on "
                            + "registry " + prefix + " to allow it (images pulled through it are then not protected by TLS)");
                } else if (daemonJson && uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
                    r.error("BadMirror", p.key("mirrors").index(m), k.runtime().wire() + " takes a mirror's host only, not a path: "
                            + mirror);
                }
            }
        }
    }

    private static void argsChecks(KubernetesSpec k, FieldPath at, Rules r) {
        String[][] groups = {{"apiServerExtraArgs"}, {"controllerManagerExtraArgs"}, {"schedulerExtraArgs"}, {"kubeletExtraArgs"}};
        List<Map<String, String>> values = List.of(k.apiServerExtraArgs(), k.controllerManagerExtraArgs(), k.schedulerExtraArgs(),
                k.kubeletExtraArgs());
        for (int g = 0; g < groups.length; g++) {
            for (var e : values.get(g).entrySet()) {
                FieldPath p = at.key(groups[g][0]).key(e.getKey());
                if (!ARG_NAME.matcher(e.getKey()).matches()) {
                    r.error("BadFlag", p, "flag name \"" + e.getKey() + "\" must be lowercase letters, digits and '-', without leading dashes");
                } else if (!ARG_VALUE.matcher(e.getValue()).matches()) {
                    r.error("BadFlag", p, "the value of --" + e.getKey() + " may not contain spaces, quotes, '$' or backslashes");
                }
            }
        }
    }

    /**
     * kubelet may only set its own labels outside the kubernetes.io and k8s.io namespaces (the NodeRestriction
     * admission plugin rejects others, e.g. node-role.kubernetes.io/*), except a few well-known ones.
     */
    private static void labels(NodePool p, FieldPath at, Rules r) {
        for (var e : p.labels().entrySet()) {
            FieldPath lp = at.key("labels").key(e.getKey());
            String key = e.getKey();
            if (!LABEL_KEY.matcher(key).matches() || key.length() > 317) {
                r.error("BadLabel", lp, "\"" + key + "\" is not a Kubernetes label key (prefix/name)");
                continue;
            }
            if (!LABEL_VALUE.matcher(e.getValue()).matches()) {
                r.error("BadLabel", lp, "\"" + e.getValue() + "\" is not a Kubernetes label value (63 characters: letters, digits, '-', '_', '.')");
            }
            String prefix = key.contains("/") ? key.substring(0, key.indexOf('/')) : "";
            boolean restricted = prefix.equals("kubernetes.io") || prefix.endsWith(".kubernetes.io")
                    || prefix.equals("k8s.io") || prefix.endsWith(".k8s.io");
            boolean allowed = prefix.endsWith("kubelet.kubernetes.io") || prefix.endsWith("node.kubernetes.io")
                    || java.util.Set.of("kubernetes.io/hostname", "kubernetes.io/arch", "kubernetes.io/os",
                            "topology.kubernetes.io/region", "topology.kubernetes.io/zone", "node.kubernetes.io/instance-type").contains(key);
            if (restricted && !allowed) {
                r.error("RestrictedLabel", lp, "kubelet may not set label \"" + key + "\" on its own node (the NodeRestriction "
                        + "admission plugin forbids kubernetes.io and k8s.io labels); use a label of your own domain, e.g. nkd.io/pool");
            }
        }
    }

    private static Cidr cidr(String text, FieldPath path, Rules r) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            r.error("BadCidr", path, e.getMessage());
            return null;
        }
    }

    private static void os(OsSpec os, Map<String, ImageCatalog.Release> images, KubernetesSpec k, Rules r) {
        FieldPath at = FieldPath.of("spec", "os");
        if ((os.image() == null) == (os.osImageURL() == null)) {
            r.error("BadOs", at, "set exactly one of os.image (a catalog name) or os.osImageURL (pinned by digest)");
            return;
        }
        if (os.image() != null) {
            ImageCatalog.Release release = images.get(os.image());
            if (release == null) {
                r.error("UnknownImage", at.key("image"), "image \"" + os.image() + "\" is not in any catalog under images/"
                        + io.nkd.yaml.Suggestions.didYouMean(os.image(), images.keySet())
                        + (images.isEmpty() ? " (there are no catalogs)" : " (known: " + String.join(", ", images.keySet()) + ")"));
            } else if (!release.kubernetesVersion().equals(k.version())) {
                r.warning("ImageKubernetesMismatch", at.key("image"), "image " + release.name() + " ships Kubernetes "
                        + release.kubernetesVersion() + " but the cluster asks for " + k.version()
                        + "; nodes will run the image's kubeadm and kubelet");
            }
        } else if (!CatalogChecks.DIGEST_PINNED.matcher(os.osImageURL()).matches()) {
            r.error("ImageNotPinned", at.key("osImageURL"), "osImageURL must be pinned by digest (…@sha256:<64 hex digits>)");
        }
    }

    private static void ignition(ClusterSpec spec, Rules r) {
        if (IgnitionVersion.parse(spec.ignition().version()).isEmpty()) {
            r.error("BadIgnitionVersion", FieldPath.of("spec", "ignition", "version"), "ignition.version must be one of 3.0.0 to 3.6.0");
        }
    }

    private static void pools(String cluster, ClusterSpec spec, Rules r) {
        List<NodePool> pools = spec.pools();
        if (pools.isEmpty()) {
            r.error("NoPools", FieldPath.of("spec", "pools"), "a cluster needs pools: one control-plane pool and any worker pools");
            return;
        }
        List<Integer> controlPlanes = new ArrayList<>();
        Map<String, Integer> poolNames = new HashMap<>();
        Map<String, FieldPath> nodeNames = new HashMap<>();
        Map<String, FieldPath> ips = new HashMap<>();
        Cidr pods = tryCidr(spec.kubernetes().podSubnet());
        Cidr services = tryCidr(spec.kubernetes().serviceSubnet());
        for (int i = 0; i < pools.size(); i++) {
            NodePool p = pools.get(i);
            FieldPath at = FieldPath.of("spec", "pools", i);
            if (p.role() == Role.CONTROL_PLANE) {
                controlPlanes.add(i);
            }
            if (!p.name().matches(DNS_LABEL)) {
                r.error("BadPoolName", at.key("name"), "pool name \"" + p.name() + "\" must be a DNS label");
            }
            labels(p, at, r);
            if (p.name().equals(Snippet.ALL_POOLS)) {
                r.error("ReservedPoolName", at.key("name"), "\"all\" is reserved for snippets that apply to every pool");
            }
            if (poolNames.putIfAbsent(p.name(), i) != null) {
                r.error("DuplicatePool", at.key("name"), "pool name \"" + p.name() + "\" is already used by pools["
                        + poolNames.get(p.name()) + "]");
            }
            if (!p.machines().isEmpty() && p.replicas() != p.machines().size()) {
                r.error("ReplicasMismatch", at.key("replicas"), "replicas is " + p.replicas() + " but " + p.machines().size()
                        + " machines are listed; remove replicas or make them agree");
            }
            for (int m = 0; m < p.machines().size(); m++) {
                machine(p.machines().get(m), at.key("machines").index(m), nodeNames, ips, pods, services, r);
            }
            if (p.machines().isEmpty()) {
                for (int n = 1; n <= p.replicas(); n++) {
                    nodeNames.putIfAbsent(cluster + "-" + p.name() + "-" + n, at);
                }
            }
        }
        if (controlPlanes.size() != 1) {
            r.error("ControlPlaneCount", FieldPath.of("spec", "pools"), "a cluster needs exactly one pool with role control-plane, found "
                    + controlPlanes.size());
        } else {
            NodePool cp = pools.get(controlPlanes.get(0));
            if (cp.replicas() % 2 == 0) {
                r.error("EvenControlPlane", FieldPath.of("spec", "pools", controlPlanes.get(0), "replicas"), "the control plane needs "
                        + "an odd number of nodes for etcd quorum (1, 3 or 5), not " + cp.replicas());
            }
        }
    }

    private static void machine(NodePool.ExplicitMachine m, FieldPath at, Map<String, FieldPath> names, Map<String, FieldPath> ips,
                                Cidr pods, Cidr services, Rules r) {
        if (!m.hostname().matches(DNS_LABEL)) {
            r.error("BadHostname", at.key("hostname"), "hostname \"" + m.hostname() + "\" must be a DNS label");
        }
        FieldPath previous = names.putIfAbsent(m.hostname(), at);
        if (previous != null) {
            r.error("DuplicateNode", at.key("hostname"), "node name \"" + m.hostname() + "\" is already used at " + previous);
        }
        if (m.ip() != null) {
            try {
                InetAddress ip = Cidr.parseAddress(m.ip());
                FieldPath first = ips.putIfAbsent(m.ip(), at);
                if (first != null) {
                    r.error("DuplicateIp", at.key("ip"), "address " + m.ip() + " is already used at " + first);
                }
                for (Cidr c : new Cidr[] {pods, services}) {
                    if (c != null && c.contains(ip)) {
                        r.error("IpInClusterNetwork", at.key("ip"), "node address " + m.ip() + " lies inside " + c
                                + ", a Kubernetes-internal network; nodes need addresses outside the pod and service subnets");
                    }
                }
            } catch (IllegalArgumentException e) {
                r.error("BadIp", at.key("ip"), e.getMessage());
            }
        }
        if (m.mac() != null && !m.mac().toLowerCase(java.util.Locale.ROOT).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            r.error("BadMac", at.key("mac"), "\"" + m.mac() + "\" is not a MAC address like 52:54:00:12:34:56");
        }
    }

    private static Cidr tryCidr(String text) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * An override must name a target, and one that is not the cluster's own has no effect: a reviewer would believe the
     * rollout starts at once, so say so (a warning: the commit is still valid, it simply waits for a window).
     */
    private static void windowOverride(ClusterSpec spec, Map<String, ImageCatalog.Release> images, Rules r) {
        UpgradePolicy.WindowOverride o = spec.upgrade().windowOverride();
        if (o == null) {
            return;
        }
        FieldPath at = FieldPath.of("spec", "upgrade", "windowOverride");
        if (o.osImage() == null && o.kubernetesVersion() == null) {
            r.error("BadWindowOverride", at, "name the target the override is for: osImage (the os.image or os.osImageURL) "
                    + "and/or kubernetesVersion");
            return;
        }
        String os = spec.os() == null ? null : spec.os().image() != null ? spec.os().image() : spec.os().osImageURL();
        String kube = spec.kubernetes() == null ? null : spec.kubernetes().version();
        String pinned = spec.os() == null ? null : spec.os().image() != null
                ? images.containsKey(spec.os().image()) ? images.get(spec.os().image()).osImageURL() : null
                : spec.os().osImageURL();
        if (o.osImageDigest() != null && !o.osImageDigest().matches("sha256:[0-9a-f]{64}")) {
            r.error("BadWindowOverride", at.key("osImageDigest"), "osImageDigest must be sha256:<64 lowercase hex digits>, "
                    + "the digest of the image the override is for" + (pinned == null ? "" : " (the cluster's image is " + pinned + ")"));
            return;
        }
        if (o.osImage() != null && o.reviewedDigest() == null) {
            // a catalog name alone would also cover a later commit that only re-pins the entry in images/: an image
            // nobody reviewed for a start outside the windows
            r.error("BadWindowOverride", at.key("osImage"), "the override names catalog entry " + o.osImage()
                    + " but not the image it was reviewed for: add osImageDigest: "
                    + (o.osImage().equals(os) && pinned != null ? WindowOverride.digestOf(pinned) + " (what " + os
                    + " pins in images/ now; check it is the image you reviewed)" : "sha256:<the digest the entry pins>")
                    + ", so that a later re-pin of the entry waits for a maintenance window");
            return;
        }
        if (o.osImage() != null && o.osImage().equals(os) && pinned != null && o.osImageDigest() != null
                && !o.osImageDigest().equals(WindowOverride.digestOf(pinned))) {
            r.warning("StaleWindowOverride", at.key("osImageDigest"), "the override was reviewed for " + o.osImage() + " at "
                    + o.osImageDigest() + ", but images/ now pins " + o.osImage() + " to " + pinned
                    + ": it has no effect, the rollout waits for a maintenance window; review the new image, then set "
                    + "osImageDigest: " + WindowOverride.digestOf(pinned) + " (or remove spec.upgrade.windowOverride)");
        }
        if (o.osImage() != null && !o.osImage().equals(os)) {
            r.warning("StaleWindowOverride", at.key("osImage"), "the override is for OS image " + o.osImage()
                    + " but the cluster runs " + os + ": it has no effect, the rollout waits for a maintenance window; "
                    + "remove spec.upgrade.windowOverride or name " + os);
        }
        if (o.kubernetesVersion() != null && !o.kubernetesVersion().equals(kube)) {
            r.warning("StaleWindowOverride", at.key("kubernetesVersion"), "the override is for Kubernetes "
                    + o.kubernetesVersion() + " but the cluster runs " + kube + ": it has no effect, the rollout waits for a "
                    + "maintenance window; remove spec.upgrade.windowOverride or name " + kube);
        }
    }

    private static void upgrade(UpgradePolicy u, Rules r) {
        for (int i = 0; i < u.maintenanceWindows().size(); i++) {
            UpgradePolicy.MaintenanceWindow w = u.maintenanceWindows().get(i);
            FieldPath at = FieldPath.of("spec", "upgrade", "maintenanceWindows", i);
            try {
                CronExpression.validateExpression(w.schedule());
            } catch (java.text.ParseException e) {
                r.error("BadSchedule", at.key("schedule"), "invalid Quartz cron expression: " + e.getMessage()
                        + " (format: seconds minutes hours day-of-month month day-of-week, e.g. \"0 0 2 ? * SAT\")");
            }
            try {
                ZoneId.of(w.timeZone());
            } catch (java.time.DateTimeException e) {
                r.error("BadTimeZone", at.key("timeZone"), "\"" + w.timeZone() + "\" is not an IANA time zone such as Europe/Berlin");
            }
            if (w.duration().isZero() || w.duration().isNegative()) {
                r.error("BadDuration", at.key("duration"), "a maintenance window must last longer than zero");
            }
        }
    }

    private static void addons(List<ClusterSpec.Addon> addons, List<String> manifests, String cluster, Rules r) {
        String base = ConfigLoader.CLUSTERS + "/" + cluster + "/manifests/";
        for (int i = 0; i < addons.size(); i++) {
            List<String> refs = addons.get(i).manifests();
            for (int j = 0; j < refs.size(); j++) {
                String raw = refs.get(j);
                if (raw.startsWith("/") || java.util.Arrays.asList(raw.split("/")).contains("..")) {
                    r.error("ManifestOutsideCluster", FieldPath.of("spec", "addons", i, "manifests", j), "\"" + raw + "\" leaves "
                            + base + ": a reference is a file or directory below it (no absolute path, no '..'); move the"
                            + " manifests there");
                    continue;
                }
                String ref = base + raw;
                boolean exists = manifests.stream().anyMatch(m -> m.equals(ref) || m.startsWith(ref.endsWith("/") ? ref : ref + "/"));
                if (!exists) {
                    r.error("MissingManifest", FieldPath.of("spec", "addons", i, "manifests", j), ref + " does not exist in the repository"
                            + " (nkd reads regular files committed to it: symbolic links are not followed)");
                }
            }
        }
    }

    /** Add-on names are unique, and {@code housekeeper} is the Housekeeper's while nkd installs it. */
    private static void addonNames(ClusterSpec spec, Rules r) {
        // the Housekeeper's images go into its manifests (the implicit first add-on)
        String[][] images = {{"operatorImage", spec.housekeeper().operatorImage()}, {"agentImage", spec.housekeeper().agentImage()}};
        for (String[] image : images) {
            if (image[1] != null && !image[1].matches(IMAGE_REFERENCE)) {
                r.error("BadImageReference", FieldPath.of("spec", "housekeeper", image[0]), "\"" + image[1] + "\" is not a container "
                        + "image reference (registry/path[:tag][@digest], no spaces or quotes)");
            }
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < spec.addons().size(); i++) {
            String name = spec.addons().get(i).name();
            if (!seen.add(name)) {
                r.error("DuplicateAddon", FieldPath.of("spec", "addons", i, "name"), "add-on \"" + name + "\" is listed twice; names must be unique");
            } else if (name.equals(io.nkd.addons.HousekeeperAddon.NAME) && spec.housekeeper().enabled()) {
                r.error("ReservedAddonName", FieldPath.of("spec", "addons", i, "name"), "\"" + name + "\" is the add-on nkd installs"
                        + " for spec.housekeeper.enabled; rename this one, or set spec.housekeeper.enabled: false to install your own");
            } else if (!name.matches(DNS_LABEL)) {
                r.error("BadAddonName", FieldPath.of("spec", "addons", i, "name"), "add-on name \"" + name
                        + "\" must be a DNS label: lowercase letters, digits and '-'");
            }
        }
    }

    /** Each snippet must be valid Butane whose Ignition version the cluster's can merge, and leave nkd's paths alone. */
    private static void snippets(ClusterSpec spec, List<Snippet> snippets, Report report) {
        IgnitionVersion target = IgnitionVersion.parse(spec.ignition().version()).orElse(IgnitionVersion.latest());
        List<String> poolNames = spec.pools().stream().map(NodePool::name).toList();
        for (Snippet s : snippets) {
            if (!s.pool().equals(Snippet.ALL_POOLS) && !poolNames.contains(s.pool())) {
                report.add(new Entry(Severity.ERROR, "UnknownPoolDir", null, null, "butane/" + s.pool()
                        + "/ matches no pool of this cluster (pools: " + String.join(", ", poolNames) + "; or 'all')", s.file()));
                continue;
            }
            Butane.Result result = Butane.translate(s.text(), Butane.Options.defaults());
            for (Entry e : result.report().entries()) {
                report.add(e.withFile(s.file()));
            }
            if (result.config() == null) {
                continue;
            }
            if (result.ignitionVersion().compareTo(target) > 0) {
                report.add(new Entry(Severity.ERROR, "SnippetTooNew", FieldPath.of("version"), null, "this snippet produces Ignition "
                        + result.ignitionVersion() + " but the cluster renders " + target
                        + "; lower the snippet's Butane version or raise spec.ignition.version", s.file()));
            }
            if (!s.overridesOwnedPaths()) {
                ownedPaths(s, result, report);
            }
        }
    }

    private static void ownedPaths(Snippet s, Butane.Result result, Report report) {
        JsonNode config = result.config();
        for (String list : new String[] {"files", "directories", "links"}) {
            JsonNode entries = config.path("storage").path(list);
            for (int i = 0; i < entries.size(); i++) {
                String path = entries.get(i).path("path").asText();
                int index = i;
                var origin = result.origin(FieldPath.of("storage", list, index, "path"));
                OwnedPaths.fileOwner(path).ifPresent(o -> report.add(new Entry(Severity.ERROR, "OwnedPath",
                        origin.yamlPath(), origin.location(), path + " is written by nkd (" + o.template()
                                + "); remove it from this snippet, or add a line \"" + Snippet.OVERRIDE_MARKER
                                + "\" to replace nkd's version deliberately", s.file())));
            }
        }
        JsonNode units = config.path("systemd").path("units");
        for (int i = 0; i < units.size(); i++) {
            String unit = units.get(i).path("name").asText();
            int index = i;
            var origin = result.origin(FieldPath.of("systemd", "units", index, "name"));
            OwnedPaths.unitOwner(unit).ifPresent(o -> report.add(new Entry(Severity.ERROR, "OwnedUnit",
                    origin.yamlPath(), origin.location(), "unit " + unit + " is managed by nkd (" + o.template()
                            + "); rename it, or add \"" + Snippet.OVERRIDE_MARKER + "\" to replace it deliberately", s.file())));
        }
    }
}
