package io.nkd.git;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Semantic Versioning 2.0.0 version, read from a tag name. A leading {@code v} is accepted because that
 * is how most repositories name release tags; build metadata ({@code +…}) is accepted and ignored, as
 * SemVer says it carries no precedence.
 *
 * @param prerelease dot-separated identifiers after {@code -}, empty for a release
 */
public record SemVer(long major, long minor, long patch, List<String> prerelease) implements Comparable<SemVer> {
    // numeric parts without leading zeros (SemVer §2); at most 18 digits so they fit a long
    private static final String NUM = "(0|[1-9][0-9]{0,17})";
    private static final String IDENT = "(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)";
    private static final Pattern VERSION = Pattern.compile(
            "v?" + NUM + "\\." + NUM + "\\." + NUM
                    + "(?:-(" + IDENT + "(?:\\." + IDENT + ")*))?"
                    + "(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?");

    public SemVer {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers are not negative");
        }
        prerelease = List.copyOf(prerelease);
    }

    public SemVer(long major, long minor, long patch) {
        this(major, minor, patch, List.of());
    }

    /** The version a tag name denotes, or empty when the name is not a semantic version. */
    public static Optional<SemVer> parse(String text) {
        Matcher m = VERSION.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        List<String> pre = m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."));
        return Optional.of(new SemVer(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)), pre));
    }

    public boolean isPrerelease() {
        return !prerelease.isEmpty();
    }

    SemVer withoutPrerelease() {
        return new SemVer(major, minor, patch);
    }

    /** Same major, minor and patch (pre-release ignored). */
    boolean sameCore(SemVer other) {
        return major == other.major && minor == other.minor && patch == other.patch;
    }

    /** SemVer §11 precedence. */
    @Override
    public int compareTo(SemVer o) {
        int c = Long.compare(major, o.major);
        if (c == 0) {
            c = Long.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Long.compare(patch, o.patch);
        }
        if (c != 0) {
            return c;
        }
        // a release sorts after its pre-releases
        if (prerelease.isEmpty() || o.prerelease.isEmpty()) {
            return Boolean.compare(prerelease.isEmpty(), o.prerelease.isEmpty());
        }
        for (int i = 0; i < Math.min(prerelease.size(), o.prerelease.size()); i++) {
            c = compareIdentifier(prerelease.get(i), o.prerelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(prerelease.size(), o.prerelease.size());
    }

    private static int compareIdentifier(String a, String b) {
        boolean na = isNumeric(a);
        boolean nb = isNumeric(b);
        if (na && nb) {
            // no leading zeros, so a longer number is larger; this avoids overflow on long identifiers
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }
        if (na != nb) {
            return na ? -1 : 1; // numeric identifiers have lower precedence than alphanumeric ones
        }
        return a.compareTo(b);
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (prerelease.isEmpty() ? "" : "-" + String.join(".", prerelease));
    }
}
