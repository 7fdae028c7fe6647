package io.nkd.housekeeper.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes version ({@code v1.29.3}; the {@code v} is optional in input, always present in output). Build
 * metadata and pre-release suffixes ({@code -rc.1}, {@code +vendor}) are kept for display but ignored when versions
 * are compared, as kubeadm and the kubelet report them differently.
 */
public record KubeVersion(int major, int minor, int patch) implements Comparable<KubeVersion> {
    private static final Pattern FORM = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)([-+].*)?");

    /** @throws IllegalArgumentException naming the text and the accepted form */
    public static KubeVersion parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a Kubernetes version: write v1.MINOR.PATCH, "
                    + "e.g. v1.29.3");
        }
        return new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** Whether going from {@code current} to this version skips a minor version (kubeadm upgrades one at a time). */
    public boolean skipsMinorFrom(KubeVersion current) {
        return major != current.major || minor - current.minor > 1;
    }

    @Override
    public int compareTo(KubeVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return "v" + major + "." + minor + "." + patch;
    }
}
