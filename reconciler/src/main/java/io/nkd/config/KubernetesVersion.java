package io.nkd.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes release version, {@code v1.31.4}. */
public record KubernetesVersion(int major, int minor, int patch) implements Comparable<KubernetesVersion> {
    private static final Pattern FORMAT = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");
    /** kubeadm v1beta3 exists from 1.22; nkd renders v1beta3 below 1.31 and v1beta4 from 1.31. */
    public static final KubernetesVersion OLDEST_SUPPORTED = new KubernetesVersion(1, 22, 0);
    public static final KubernetesVersion NEWEST_SUPPORTED_MINOR = new KubernetesVersion(1, 33, 0);

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
