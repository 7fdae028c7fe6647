package io.nkd.plan;

/**
 * The NestOS image a cluster's nodes run, resolved through the revision's image catalogs.
 *
 * @param name              the catalog release name, or "pinned" for a cluster that gives os.osImageURL
 * @param osVersion         the catalog's NestOS version, or "unknown" for a pinned image
 * @param kubernetesVersion the Kubernetes version the image ships, or "unknown" for a pinned image
 */
public record OsImage(String name, String osImageURL, String osVersion, String kubernetesVersion) {
    /** {@code nestos-24.09-k8s-1.31 (NestOS 24.09.20241120, Kubernetes v1.31.4)}. */
    public String describe() {
        return name + " (NestOS " + osVersion + ", Kubernetes " + kubernetesVersion + ")";
    }

    /** Compares dotted NestOS versions numerically ({@code 24.09.20241120}); 0 when either is not one. */
    static int compareVersions(String a, String b) {
        if (!a.matches("\\d+(\\.\\d+)*") || !b.matches("\\d+(\\.\\d+)*")) {
            return 0;
        }
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = new java.math.BigInteger(i < x.length ? x[i] : "0").compareTo(new java.math.BigInteger(i < y.length ? y[i] : "0"));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
