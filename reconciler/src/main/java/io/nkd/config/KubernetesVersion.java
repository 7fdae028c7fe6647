package io.nkd.config;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes release version, {@code v1.31.4}. */
public record KubernetesVersion(int major, int minor, int patch) implements Comparable<KubernetesVersion> {
    private static final Pattern FORMAT = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");
    /** kubeadm v1beta3 exists from 1.22; nkd renders v1beta3 below 1.31 and v1beta4 from 1.31. */
    public static final KubernetesVersion OLDEST_SUPPORTED = new KubernetesVersion(1, 22, 0);
    public static final KubernetesVersion NEWEST_SUPPORTED_MINOR = new KubernetesVersion(1, 33, 0);

    /**
     * The pause (sandbox) image tag kubeadm of each minor release uses ({@code PauseVersion} in kubeadm's
     * {@code cmd/kubeadm/app/constants/constants.go} on each release branch); the runtimes must use the same one or
     * kubeadm's preflight warns and the sandbox image is pulled twice.
     */
    private static final TreeMap<Integer, String> PAUSE_BY_MINOR = new TreeMap<>(Map.ofEntries(
            Map.entry(22, "3.5"), Map.entry(23, "3.6"), Map.entry(24, "3.7"), Map.entry(25, "3.8"),
            Map.entry(26, "3.9"), Map.entry(27, "3.9"), Map.entry(28, "3.9"), Map.entry(29, "3.9"), Map.entry(30, "3.9"),
            Map.entry(31, "3.10"), Map.entry(32, "3.10"), Map.entry(33, "3.10")));

    public static KubernetesVersion parse(String text) {
        Matcher m = FORMAT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a Kubernetes version; write it like v1.31.4");
        }
        return new KubernetesVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    public boolean isSupported() {
        return major == 1 && compareTo(OLDEST_SUPPORTED) >= 0 && minor <= NEWEST_SUPPORTED_MINOR.minor;
    }

    /** kubeadm's configuration API for this version. */
    public String kubeadmApiVersion() {
        return minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
    }

    /** The pause image tag of this minor release (the nearest known minor outside the table). */
    public String pauseVersion() {
        Map.Entry<Integer, String> e = PAUSE_BY_MINOR.floorEntry(minor);
        return (e == null ? PAUSE_BY_MINOR.firstEntry() : e).getValue();
    }

    @Override
    public int compareTo(KubernetesVersion o) {
        int c = Integer.compare(major, o.major);
        c = c != 0 ? c : Integer.compare(minor, o.minor);
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch;
    }
}
