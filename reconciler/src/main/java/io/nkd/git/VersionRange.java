package io.nkd.git;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range of semantic versions, a documented subset of the npm / node-semver range syntax, which is what
 * operators already know from Flux, Helm and npm:
 *
 * <pre>
 *   range      := set ( "||" set )*                      any set matches
 *   set        := comparator ( SPACE comparator )*       every comparator matches
 *               | partial " - " partial                  hyphen range, both ends inclusive
 *   comparator := ( "&gt;=" | "&lt;=" | "&gt;" | "&lt;" | "=" | "^" | "~" )? partial
 *   partial    := "v"? N ( "." N-or-x ( "." N-or-x ( "-" prerelease )? )? )?   |  "*"  |  "x"
 * </pre>
 *
 * <ul>
 *   <li>{@code 1.2.3}, {@code =1.2.3}: exactly that version.</li>
 *   <li>{@code 1.x}, {@code 1}, {@code 1.2.x}, {@code 1.2}, {@code *}: any version with those leading parts.</li>
 *   <li>{@code ^1.2.3}: compatible, {@code >=1.2.3 <2.0.0}; left-most non-zero part fixed, so
 *       {@code ^0.2.3} is {@code >=0.2.3 <0.3.0} and {@code ^0.0.3} is {@code >=0.0.3 <0.0.4}.</li>
 *   <li>{@code ~1.2.3}: patch updates, {@code >=1.2.3 <1.3.0}; {@code ~1} is {@code >=1.0.0 <2.0.0}.</li>
 *   <li>{@code >=1.2.0 <2.0.0}: comparators; partial bounds round as npm does ({@code <=1.2} is
 *       {@code <1.3.0}, {@code >1.2} is {@code >=1.3.0}).</li>
 * </ul>
 *
 * <p>Pre-releases: as in npm, a version such as {@code 1.3.0-rc.1} matches only a set that names a
 * pre-release of the same {@code major.minor.patch} (e.g. {@code >=1.3.0-rc.0}), so a range never moves a
 * cluster onto a release candidate by accident. Not supported (rejected with an error): npm's
 * {@code includePrerelease}/loose modes, {@code X-ranges} in pre-release position, and dist-tags.
 */
public final class VersionRange {
    private static final Pattern PARTIAL = Pattern.compile(
            "v?(\\d+|[xX*])(?:\\.(\\d+|[xX*])(?:\\.(\\d+|[xX*]))?)?(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?"
                    + "(?:\\+[0-9A-Za-z-.]+)?");
    private static final Pattern COMPARATOR = Pattern.compile("(>=|<=|>|<|=|\\^|~)?(.*)");

    private enum Op { EQ, GT, GE, LT, LE }

    private record Comparator(Op op, SemVer version) {
        boolean test(SemVer v) {
            int c = v.compareTo(version);
            return switch (op) {
                case EQ -> c == 0;
                case GT -> c > 0;
                case GE -> c >= 0;
                case LT -> c < 0;
                case LE -> c <= 0;
            };
        }
    }

    /** A version with missing (or x) parts as -1. */
    private record Partial(long major, long minor, long patch, List<String> pre) {
        boolean any() {
            return major < 0;
        }

        SemVer floor() {
            return new SemVer(Math.max(major, 0), Math.max(minor, 0), Math.max(patch, 0), pre);
        }

        /** The lowest version above every version this partial denotes ("-0": below any pre-release). */
        SemVer ceilingExclusive() {
            if (minor < 0) {
                return new SemVer(major + 1, 0, 0, List.of("0"));
            }
            return new SemVer(major, minor + 1, 0, List.of("0"));
        }

        boolean complete() {
            return patch >= 0;
        }
    }

    private final String expression;
    private final List<List<Comparator>> sets;

    private VersionRange(String expression, List<List<Comparator>> sets) {
        this.expression = expression;
        this.sets = sets;
    }

    /** Parses a range; the message of the exception says what part is wrong. */
    public static VersionRange parse(String expression) {
        String text = expression.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty semver range");
        }
        List<List<Comparator>> sets = new ArrayList<>();
        for (String set : text.split("\\|\\|", -1)) {
            sets.add(parseSet(set.trim(), expression));
        }
        return new VersionRange(expression, List.copyOf(sets));
    }

    public boolean matches(SemVer version) {
        for (List<Comparator> set : sets) {
            if (set.stream().allMatch(c -> c.test(version)) && prereleaseAllowed(set, version)) {
                return true;
            }
        }
        return false;
    }

    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return expression;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionRange r && r.expression.equals(expression);
    }

    @Override
    public int hashCode() {
        return expression.hashCode();
    }

    private static boolean prereleaseAllowed(List<Comparator> set, SemVer version) {
        if (!version.isPrerelease()) {
            return true;
        }
        // synthetic "-0" ceilings cannot admit anything: the comparator itself excludes that core version
        return set.stream().anyMatch(c -> c.version.isPrerelease() && c.version.sameCore(version));
    }

    private static List<Comparator> parseSet(String set, String whole) {
        if (set.isEmpty()) {
            throw new IllegalArgumentException("semver range \"" + whole + "\" has an empty alternative");
        }
        String[] hyphen = set.split("\\s+-\\s+", -1);
        if (hyphen.length == 2) {
            List<Comparator> out = new ArrayList<>();
            lowerBound(Op.GE, partial(hyphen[0], whole), out);
            upperBound(Op.LE, partial(hyphen[1], whole), out);
            return List.copyOf(out);
        }
        if (hyphen.length > 2) {
            throw new IllegalArgumentException("semver range \"" + whole + "\": more than one hyphen range in a set");
        }
        // "> = 1.2" and ">= 1.2" mean ">=1.2": join an operator to the version after it
        String joined = set.replaceAll("(>=|<=|>|<|=|\\^|~)\\s+", "$1");
        List<Comparator> out = new ArrayList<>();
        for (String token : joined.split("\\s+")) {
            comparator(token, whole, out);
        }
        return List.copyOf(out);
    }

    private static void comparator(String token, String whole, List<Comparator> out) {
        Matcher m = COMPARATOR.matcher(token);
        m.matches();
        String op = m.group(1) == null ? "" : m.group(1);
        Partial p = partial(m.group(2), whole);
        switch (op) {
            case "", "=" -> {
                if (p.complete()) {
                    out.add(new Comparator(Op.EQ, p.floor()));
                } else if (!p.any()) {
                    out.add(new Comparator(Op.GE, p.floor()));
                    out.add(new Comparator(Op.LT, p.ceilingExclusive()));
                }
            }
            case ">=", ">" -> lowerBound(op.equals(">") ? Op.GT : Op.GE, p, out);
            case "<=", "<" -> upperBound(op.equals("<") ? Op.LT : Op.LE, p, out);
            case "~" -> {
                out.add(new Comparator(Op.GE, p.floor()));
                if (!p.any()) {
                    out.add(new Comparator(Op.LT, p.minor < 0
                            ? new SemVer(p.major + 1, 0, 0, List.of("0"))
                            : new SemVer(p.major, p.minor + 1, 0, List.of("0"))));
                }
            }
            case "^" -> {
                out.add(new Comparator(Op.GE, p.floor()));
                if (!p.any()) {
                    out.add(new Comparator(Op.LT, caretCeiling(p)));
                }
            }
            default -> throw new IllegalStateException(op);
        }
    }

    private static SemVer caretCeiling(Partial p) {
        if (p.major > 0 || p.minor < 0) {
            return new SemVer(p.major + 1, 0, 0, List.of("0"));
        }
        if (p.minor > 0 || p.patch < 0) {
            return new SemVer(0, p.minor + 1, 0, List.of("0"));
        }
        return new SemVer(0, 0, p.patch + 1, List.of("0"));
    }

    private static void lowerBound(Op op, Partial p, List<Comparator> out) {
        if (p.any()) {
            if (op == Op.GT) {
                out.add(new Comparator(Op.LT, new SemVer(0, 0, 0, List.of("0")))); // ">*" matches nothing
            }
            return;
        }
        if (op == Op.GT && !p.complete()) {
            out.add(new Comparator(Op.GE, p.ceilingExclusive().withoutPrerelease()));
        } else {
            out.add(new Comparator(op, p.floor()));
        }
    }

    private static void upperBound(Op op, Partial p, List<Comparator> out) {
        if (p.any()) {
            if (op == Op.LT) {
                out.add(new Comparator(Op.LT, new SemVer(0, 0, 0, List.of("0")))); // "<*" matches nothing
            }
            return;
        }
        if (p.complete()) {
            out.add(new Comparator(op, p.floor()));
        } else if (op == Op.LE) {
            out.add(new Comparator(Op.LT, p.ceilingExclusive()));
        } else {
            out.add(new Comparator(Op.LT, new SemVer(Math.max(p.major, 0), Math.max(p.minor, 0), 0, List.of("0"))));
        }
    }

    private static Partial partial(String text, String whole) {
        Matcher m = PARTIAL.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("semver range \"" + whole + "\": \"" + text.trim()
                    + "\" is not a version (expected e.g. 1.2.3, 1.2, 1.x, ^1.2, ~1.2.3, >=1.2.0)");
        }
        long major = number(m.group(1));
        long minor = major < 0 ? -1 : number(m.group(2));
        long patch = minor < 0 ? -1 : number(m.group(3));
        if (m.group(4) != null && patch < 0) {
            throw new IllegalArgumentException("semver range \"" + whole + "\": a pre-release needs a full version");
        }
        if ((m.group(2) != null && minor < 0 && number(m.group(2)) >= 0)
                || (m.group(3) != null && patch < 0 && number(m.group(3)) >= 0)) {
            throw new IllegalArgumentException("semver range \"" + whole + "\": \"" + text.trim()
                    + "\" has a number after an x");
        }
        List<String> pre = m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."));
        return new Partial(major, minor, patch, pre);
    }

    private static long number(String part) {
        if (part == null || part.equalsIgnoreCase("x") || part.equals("*")) {
            return -1;
        }
        if (part.length() > 18) {
            throw new IllegalArgumentException("version number too large: " + part);
        }
        return Long.parseLong(part);
    }
}
