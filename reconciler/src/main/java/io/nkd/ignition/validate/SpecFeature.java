package io.nkd.ignition.validate;

import io.nkd.ignition.spec.IgnitionVersion;

/**
 * Validation behaviour that differs between spec versions. Each entry names the range of versions
 * in which Ignition v2.26.0's {@code config/v3_N/types} package has the behaviour.
 */
enum SpecFeature {
    /** {@code sha256-} verification hashes. */
    SHA256_HASHES(IgnitionVersion.V3_1_0, null),
    /** merge and certificate-authority resources must name a source ({@code validateRequiredSource}). */
    REQUIRED_RESOURCE_SOURCES(IgnitionVersion.V3_1_0, null),
    /** {@code gs://} URLs. */
    GS_URLS(IgnitionVersion.V3_2_0, null),
    /** In 3.2.0 clevis.custom is a pointer to a struct with non-pointer pin and config. */
    CLEVIS_CUSTOM_STRUCT_POINTER(IgnitionVersion.V3_2_0, IgnitionVersion.V3_2_0),
    /** links[].target and raid[].level became pointers and so optional-but-checked in 3.3.0. */
    POINTER_LINK_TARGET_AND_RAID_LEVEL(IgnitionVersion.V3_3_0, null),
    /** filesystem format {@code none}. */
    FORMAT_NONE(IgnitionVersion.V3_3_0, null),
    /** {@code arn:} S3 access point URLs. */
    ARN_URLS(IgnitionVersion.V3_4_0, null),
    /** luks[].clevis.tang[].advertisement. */
    TANG_ADVERTISEMENT(IgnitionVersion.V3_4_0, null),
    /** luks[].cex. */
    CEX(IgnitionVersion.V3_5_0, null),
    /** Specs before 3.6.0 warn that setuid/setgid/sticky bits are not supported. */
    SPECIAL_MODE_BITS_WARNING(IgnitionVersion.V3_0_0, IgnitionVersion.V3_5_0);

    private final IgnitionVersion first;
    private final IgnitionVersion last;

    SpecFeature(IgnitionVersion first, IgnitionVersion last) {
        this.first = first;
        this.last = last;
    }

    boolean availableIn(IgnitionVersion version) {
        return version.atLeast(first) && (last == null || last.atLeast(version));
    }
}
