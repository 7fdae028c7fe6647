package io.nkd.importer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NKD's {@code kubernetes}, {@code runtime} and {@code housekeeper} → nkd's spec.kubernetes, spec.upgrade and
 * spec.housekeeper. Where the NKD file was silent, NKD's defaults (GetDefaultClusterConfig: v1.23.10, isulad,
 * services 10.96.0.0/16, pods 10.244.0.0/16, Calico, no Housekeeper) are written out, because nkd's own defaults
 * differ and the import must describe the cluster NKD built.
 */
final class K8s {
    static final String NKD_DEFAULT_VERSION = "v1.23.10";
    static final String NKD_DEFAULT_CNI = "https://projectcalico.docs.tigera.io/archive/v3.22/manifests/calico.yaml";

    /** What the other sections need: the version and the OS image NKD named (with the key that named it). */
    record Result(Map<String, Object> kubernetes, Map<String, Object> upgrade, Map<String, Object> housekeeper,
                  String version, String imageRef, String imageRefKey) {
    }

    private K8s() {
    }

    static Result map(NkdMap top, Nodes.Role masters, String arch, Ctx ctx) {
        NkdMap k = top.map("kubernetes");
        NkdMap net = k.map("network");
        NkdMap hk = top.map("housekeeper");
        Map<String, Object> out = new LinkedHashMap<>();
        String version = version(k, hk, ctx);
        boolean defaulted = k.text("kubernetesVersion") == null && hk.text("kubeVersion") == null;
        out.put("version", nkdDefault(defaulted, version == null ? "" : version));
        out.put("controlPlaneEndpoint", endpoint(k, masters, ctx));
        String registry = k.text("imageRegistry");
        if (registry != null) {
            out.put("imageRepository", registry);
        }
        String pause = k.text("pauseImage");
        if (pause != null) {
            // NKD wrote "<imageRegistry>/<pauseImage>" into the runtime config; nkd wants the whole reference
            out.put("pauseImage", pause.contains("/") ? pause : (registry == null ? "registry.k8s.io" : registry) + "/" + pause);
        }
        String runtime = runtime(top, ctx);
        out.put("runtime", nkdDefault(top.text("runtime") == null, runtime));
        String pods = net.text("podSubnet");
        String services = net.text("serviceSubnet");
        out.put("podSubnet", nkdDefault(pods == null, pods == null ? "10.244.0.0/16" : pods));
        out.put("serviceSubnet", nkdDefault(services == null, services == null ? "10.96.0.0/16" : services));
        registryItems(k, registry, runtime, ctx);
        String plugin = net.text("plugin");
        ctx.item(net.key("plugin"), (plugin == null ? "not set, so NKD applied its default Calico manifest " + NKD_DEFAULT_CNI
                : "NKD applied the CNI manifest " + plugin) + " after bootstrap; nkd applies add-ons only from manifests "
                + "in the repository", "download it into clusters/<name>/manifests/cni/ and add spec.addons: "
                + "[{name: cni, manifests: [cni/]}] (nodes stay NotReady without a CNI)");
        notCarried(k, net, ctx);
        String imageRef = hk.text("osImageURL");
        String imageKey = hk.key("osImageURL");
        String release = k.text("releaseImageURL");
        if (release != null) {
            release = release.replace("{arch}", arch);
        }
        if (imageRef != null) {
            ctx.item(imageKey, "the OS image of NKD's last upgrade" + (release == null ? "" : ", not "
                    + k.key("releaseImageURL") + ",") + " is taken as the image nodes run", "check the upgrade finished; "
                    + "with nkd, upgrade by changing spec.os in a commit");
        } else {
            imageRef = release;
            imageKey = k.key("releaseImageURL");
        }
        return new Result(out, upgrade(hk, ctx), housekeeper(hk, arch, ctx), version, imageRef, imageKey);
    }

    /** A value NKD's file left out, written with NKD's default: say so, since nkd's default differs. */
    private static Object nkdDefault(boolean defaulted, String value) {
        return defaulted ? new YamlText.Commented("not in the NKD file: NKD's default", value) : value;
    }

    private static String version(NkdMap k, NkdMap hk, Ctx ctx) {
        String upgrade = hk.text("kubeVersion");
        String given = k.text("kubernetesVersion");
        NkdMap from = upgrade != null ? hk : k;
        String key = upgrade != null ? hk.key("kubeVersion") : k.key("kubernetesVersion");
        String text = upgrade != null ? upgrade : given;
        if (text == null) {
            ctx.item(key, "not set, so NKD deployed its default " + NKD_DEFAULT_VERSION, "check the cluster runs "
                    + NKD_DEFAULT_VERSION + " (kubectl version) and correct spec.kubernetes.version if not");
            return NKD_DEFAULT_VERSION;
        }
        String v = OsImages.normalizeVersion(text);
        if (v == null) {
            ctx.error(from.at(upgrade != null ? "kubeVersion" : "kubernetesVersion"), key + " \"" + text
                    + "\" is not a Kubernetes version; write it like v1.29.1");
        } else if (upgrade != null && given != null && !v.equals(OsImages.normalizeVersion(given))) {
            ctx.item(key, "the Kubernetes version of NKD's last upgrade replaces " + k.key("kubernetesVersion") + " ("
                    + given + ") as the desired version", "check the upgrade finished; with nkd, upgrade by changing "
                    + "spec.kubernetes.version in a commit");
        }
        return v;
    }

    private static String endpoint(NkdMap k, Nodes.Role masters, Ctx ctx) {
        String endpoint = k.text("apiserverEndpoint");
        if (endpoint != null) {
            // kubeadm's controlPlaneEndpoint is host[:port], no scheme or path
            return endpoint.replaceFirst("^(?i)https?://", "").replaceFirst("/.*$", "");
        }
        Nodes.NkdNode first = masters.nodes().isEmpty() ? null : masters.nodes().get(0);
        if (first != null && first.ip() != null) {
            return first.ip() + ":6443"; // NKD's own fallback
        }
        ctx.error(k.location(), k.key("apiserverEndpoint") + " is not set and the first master has no ip: nkd needs the "
                + "API server address (spec.kubernetes.controlPlaneEndpoint); set one of them");
        return "";
    }

    private static String runtime(NkdMap top, Ctx ctx) {
        String r = top.text("runtime");
        if (r == null) {
            return "isulad"; // NKD's default; nkd's is containerd
        }
        return switch (r.toLowerCase(Locale.ROOT)) {
            case "isulad" -> "isulad";
            case "containerd" -> "containerd";
            case "crio", "cri-o" -> "crio";
            case "docker" -> "docker";
            default -> {
                ctx.error(top.at("runtime"), top.key("runtime") + " \"" + r + "\" is not a runtime nkd supports "
                        + "(isulad, containerd, crio, docker)");
                yield "isulad";
            }
        };
    }

    private static void registryItems(NkdMap k, String registry, String runtime, Ctx ctx) {
        if (registry == null) {
            return;
        }
        if (registry.equalsIgnoreCase("k8s.gcr.io")) {
            ctx.item(k.key("imageRegistry"), "k8s.gcr.io is frozen and has no images of newer Kubernetes releases",
                    "use registry.k8s.io (nkd's default: remove spec.kubernetes.imageRepository) or your mirror");
        }
        // public registries have valid TLS: NKD's insecure-registries entry did nothing for them
        if (runtime.equals("isulad") && !registry.equalsIgnoreCase("registry.k8s.io") && !registry.equalsIgnoreCase("k8s.gcr.io")) {
            ctx.item(k.key("imageRegistry"), "NKD also listed this registry among iSulad's insecure-registries; nkd "
                    + "does not", "if the registry is plain HTTP or has an untrusted certificate, configure that in a "
                    + "Butane snippet under clusters/<name>/butane/");
        }
    }

    /** A key whose value nkd generates, decides itself, or has no place for; its value is never repeated. */
    private record Dropped(String key, String why, String whatToDo) {
    }

    /** Under {@code kubernetes}, in the order they are reported. */
    private static final List<Dropped> DROPPED_KUBERNETES_KEYS = List.of(
            new Dropped("token", "a secret, so it is not copied; nkd generates the bootstrap tokens of its clusters "
                    + "and keeps them in its state directory", "nothing to do"),
            new Dropped("certificateKey", "a secret, so it is not copied; nkd generates the key that protects the "
                    + "control-plane certificates kubeadm uploads", "nothing to do"),
            new Dropped("adminKubeConfig", "the path of the admin kubeconfig NKD wrote on its host; nkd generates "
                    + "cluster credentials itself", "keep using that file with the existing cluster as long as you need it"),
            new Dropped("kubernetesApiVersion", "nkd picks kubeadm's configuration API from the Kubernetes version "
                    + "(v1beta3 before v1.31, v1beta4 from v1.31)", "nothing to do"),
            new Dropped("packageList", "nkd installs no packages on NestOS nodes", "use a NestOS image that has "
                    + "them, or add them with a Butane snippet"),
            new Dropped("insecureRegistry", "nkd does not configure insecure registries", "configure the registry "
                    + "in a Butane snippet under clusters/<name>/butane/"));

    /** Under {@code kubernetes.network}. */
    private static final List<Dropped> DROPPED_NETWORK_KEYS = List.of(
            new Dropped("corednsImageVersion", "nkd lets kubeadm use the CoreDNS image of the Kubernetes release",
                    "nothing to do"));

    private static void notCarried(NkdMap k, NkdMap net, Ctx ctx) {
        notCarried(k, DROPPED_KUBERNETES_KEYS, ctx);
        notCarried(net, DROPPED_NETWORK_KEYS, ctx);
    }

    private static void notCarried(NkdMap map, List<Dropped> dropped, Ctx ctx) {
        for (Dropped d : dropped) {
            if (map.present(d.key())) {
                ctx.item(map.key(d.key()), d.why(), d.whatToDo());
            }
        }
    }

    private static Map<String, Object> upgrade(NkdMap hk, Ctx ctx) {
        Map<String, Object> u = new LinkedHashMap<>();
        Long max = hk.number("maxUnavailable");
        if (max != null && max > 0) { // 0 is Go's zero value: unset
            u.put("maxUnavailable", Math.toIntExact(Math.min(max, Integer.MAX_VALUE)));
        } else if (max != null && max < 0) {
            ctx.error(hk.at("maxUnavailable"), hk.key("maxUnavailable") + " must not be negative");
        }
        Boolean evict = hk.flag("evictPodForce");
        if (evict != null) {
            u.put("evictPodForce", evict);
        }
        return u;
    }

    private static Map<String, Object> housekeeper(NkdMap hk, String arch, Ctx ctx) {
        Map<String, Object> h = new LinkedHashMap<>();
        boolean deploy = Boolean.TRUE.equals(hk.flag("deployHousekeeper"));
        h.put("enabled", deploy);
        if (!deploy) {
            ctx.item(hk.key("deployHousekeeper"), "NKD did not deploy the Housekeeper (its default unless "
                    + "deployHousekeeper: true), and nkd upgrades nodes through it", "the import keeps it off "
                    + "(spec.housekeeper.enabled: false); set it to true when nkd should roll out upgrades");
        }
        // NKD's housekeeper images are per architecture: hub.oepkgs.net/nestos/housekeeper/{arch}/…:{tag}
        String goArch = arch.equals("aarch64") ? "arm64" : "amd64";
        image(hk, "operatorImageURL", "operatorImage", goArch, h, ctx);
        image(hk, "controllerImageURL", "agentImage", goArch, h, ctx);
        return h;
    }

    private static void image(NkdMap hk, String nkdKey, String nkdField, String goArch, Map<String, Object> h, Ctx ctx) {
        String ref = hk.text(nkdKey);
        if (ref == null) {
            return;
        }
        ref = ref.replace("{arch}", goArch);
        if (ref.contains("{")) {
            ctx.item(hk.key(nkdKey), "still contains a placeholder ({tag}), so it is not used", "set spec.housekeeper."
                    + nkdField + " to the real image, or leave it to nkd's default");
        } else {
            h.put(nkdField, ref);
        }
    }
}
