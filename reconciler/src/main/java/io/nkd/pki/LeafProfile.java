package io.nkd.pki;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one end-entity certificate says: subject common name and organizations (Kubernetes reads them as
 * user and groups), subject alternative names and extended key usages.
 */
public record LeafProfile(String commonName, List<String> organizations, AltNames altNames, Set<ExtendedKeyUsage> usages) {

    public LeafProfile {
        Objects.requireNonNull(commonName, "commonName");
        if (commonName.isBlank()) {
            throw new IllegalArgumentException("a certificate needs a common name");
        }
        organizations = organizations == null ? List.of() : List.copyOf(organizations);
        altNames = altNames == null ? AltNames.none() : altNames;
        // kubeadm refuses a leaf without an extended key usage; so does nkd
        if (usages == null || usages.isEmpty()) {
            throw new IllegalArgumentException("certificate \"" + commonName + "\" needs at least one extended key usage");
        }
        usages = Collections.unmodifiableSet(EnumSet.copyOf(usages)); // enum order: stable EKU order in the certificate
    }

    /** A client certificate: Kubernetes authenticates it as user {@code commonName} in groups {@code organizations}. */
    public static LeafProfile client(String commonName, List<String> organizations) {
        return new LeafProfile(commonName, organizations, AltNames.none(), Set.of(ExtendedKeyUsage.CLIENT_AUTH));
    }
}
