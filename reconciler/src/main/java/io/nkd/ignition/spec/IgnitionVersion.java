package io.nkd.ignition.spec;

import java.util.Optional;

/** The stable Ignition config spec versions nkd reads and writes. */
public enum IgnitionVersion {
    V3_0_0("3.0.0"),
    V3_1_0("3.1.0"),
    V3_2_0("3.2.0"),
    V3_3_0("3.3.0"),
    V3_4_0("3.4.0"),
    V3_5_0("3.5.0"),
    V3_6_0("3.6.0");

    private final String text;

    IgnitionVersion(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static IgnitionVersion latest() {
        return V3_6_0;
    }

    public static Optional<IgnitionVersion> parse(String text) {
        for (IgnitionVersion v : values()) {
            if (v.text.equals(text)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public boolean atLeast(IgnitionVersion other) {
        return compareTo(other) >= 0;
    }

    public boolean before(IgnitionVersion other) {
        return compareTo(other) < 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
