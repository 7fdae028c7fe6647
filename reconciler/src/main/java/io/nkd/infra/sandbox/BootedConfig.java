package io.nkd.infra.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.dataurl.DataUrl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a simulated node takes from the pool config it booted, as a real node would end up: the OS image its first-boot
 * rebase ({@code /usr/local/bin/nkd-os-rebase}) moves it to, and the Kubernetes version its configs are written for
 * (kubeadm's {@code kubernetesVersion} on the first control-plane node, the runtime config's header on every node).
 * Reads the same Ignition the Ignition server serves; null where the config does not say (a pool without those
 * templates), so the simulated node reports "unknown" rather than a guess.
 */
record BootedConfig(String osImage, String kubeletVersion) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String REBASE_SCRIPT = "/usr/local/bin/nkd-os-rebase";
    private static final Pattern TARGET = Pattern.compile("(?m)^target=\"([^\"]+)\"");
    private static final Pattern KUBEADM_VERSION = Pattern.compile("(?m)^kubernetesVersion: \"?(v[0-9][^\"\\s]*)\"?");
    private static final Pattern RUNTIME_HEADER = Pattern.compile("Written by nkd for Kubernetes (v[0-9][^\\s]*?)\\.?(\\s|$)");

    static BootedConfig read(byte[] ignition) throws IOException {
        JsonNode root = JSON.readTree(ignition);
        String image = null;
        String kube = null;
        for (JsonNode file : root.path("storage").path("files")) {
            String source = file.path("contents").path("source").asText("");
            if (!DataUrl.isDataUrl(source)) {
                continue;
            }
            String text = contents(source, file.path("contents").path("compression").asText(""));
            if (text == null) {
                continue;
            }
            if (REBASE_SCRIPT.equals(file.path("path").asText())) {
                Matcher m = TARGET.matcher(text);
                if (m.find()) {
                    image = m.group(1);
                }
            }
            Matcher k = KUBEADM_VERSION.matcher(text);
            if (kube == null && k.find()) {
                kube = k.group(1);
            }
            Matcher h = RUNTIME_HEADER.matcher(text);
            if (kube == null && h.find()) {
                kube = h.group(1);
            }
        }
        return new BootedConfig(image, kube);
    }

    private static String contents(String source, String compression) {
        try {
            byte[] data = DataUrl.decode(source);
            if ("gzip".equals(compression)) {
                data = DataUrl.gunzip(data, 4 << 20).orElse(null);
            }
            return data == null ? null : new String(data, StandardCharsets.UTF_8);
        } catch (DataUrl.MalformedException e) {
            return null; // the Ignition server validated it; a file we cannot read tells us nothing
        }
    }
}
