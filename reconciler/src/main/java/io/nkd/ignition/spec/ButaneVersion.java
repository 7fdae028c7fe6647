package io.nkd.ignition.spec;

import java.util.Optional;

/** The stable Butane {@code fcos} variant versions and the Ignition spec each one produces. */
public enum ButaneVersion {
    FCOS_1_0_0("1.0.0", IgnitionVersion.V3_0_0),
    FCOS_1_1_0("1.1.0", IgnitionVersion.V3_1_0),
    FCOS_1_2_0("1.2.0", IgnitionVersion.V3_2_0),
    FCOS_1_3_0("1.3.0", IgnitionVersion.V3_2_0),
    FCOS_1_4_0("1.4.0", IgnitionVersion.V3_3_0),
    FCOS_1_5_0("1.5.0", IgnitionVersion.V3_4_0),
    FCOS_1_6_0("1.6.0", IgnitionVersion.V3_5_0),
    FCOS_1_7_0("1.7.0", IgnitionVersion.V3_6_0);

    private final String text;
    private final IgnitionVersion ignition;

    ButaneVersion(String text, IgnitionVersion ignition) {
        this.text = text;
        this.ignition = ignition;
    }

    public String text() {
        return text;
    }

    public IgnitionVersion ignition() {
        return ignition;
    }

    public static Optional<ButaneVersion> parse(String text) {
        for (ButaneVersion v : values()) {
            if (v.text.equals(text)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public boolean atLeast(ButaneVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
