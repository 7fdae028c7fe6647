package io.nkd.git;

import java.util.Locale;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Which revision of the config repository nkd follows. Written in configuration as
 * {@code branch:NAME}, {@code tag:NAME}, {@code semver:RANGE} or {@code commit:ID}; a bare 40-digit hex
 * id is a commit and any other bare word a branch, so {@code main} means the branch {@code main}.
 */
public sealed interface RefSelector {
    String DEFAULT_BRANCH = "main";

    /** Follows the tip of a branch: every push is a new revision. */
    record Branch(String name) implements RefSelector {
        public Branch {
            name = strip(name, Constants.R_HEADS);
            requireValidRef(Constants.R_HEADS + name, "branch", name);
        }

        public String refName() {
            return Constants.R_HEADS + name;
        }

        @Override
        public String describe() {
            return "branch " + name;
        }
    }

    /** Pins one tag. A tag that is moved (force-pushed) is followed, and reported as a force push. */
    record Tag(String name) implements RefSelector {
        public Tag {
            name = strip(name, Constants.R_TAGS);
            requireValidRef(Constants.R_TAGS + name, "tag", name);
        }

        public String refName() {
            return Constants.R_TAGS + name;
        }

        @Override
        public String describe() {
            return "tag " + name;
        }
    }

    /**
     * The tag with the highest semantic version inside a range (see {@link VersionRange}); tags whose
     * names are not semantic versions are ignored. Releasing is tagging.
     */
    record Semver(VersionRange range) implements RefSelector {
        public Semver(String range) {
            this(VersionRange.parse(range));
        }

        @Override
        public String describe() {
            return "the highest tag in semver range \"" + range.expression() + "\"";
        }
    }

    /** Pins one commit (full 40-digit id); nothing moves until the configuration changes. */
    record Commit(ObjectId id) implements RefSelector {
        public Commit {
            id = id.copy();
        }

        public Commit(String hex) {
            this(parseId(hex));
        }

        @Override
        public String describe() {
            return "commit " + id.name();
        }
    }

    /** A human description for messages and status ("branch main"). */
    String describe();

    static RefSelector defaultBranch() {
        return new Branch(DEFAULT_BRANCH);
    }

    /** Reads the configuration form; the exception message says what is wrong. */
    static RefSelector parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.isEmpty()) {
            return defaultBranch();
        }
        int colon = s.indexOf(':');
        if (colon > 0) {
            String kind = s.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = s.substring(colon + 1).trim();
            switch (kind) {
                case "branch":
                    return new Branch(value);
                case "tag":
                    return new Tag(value);
                case "semver":
                    return new Semver(value);
                case "commit":
                    return new Commit(value);
                default:
                    throw new IllegalArgumentException("unknown ref kind \"" + kind
                            + "\" (expected branch:, tag:, semver: or commit:)");
            }
        }
        if (ObjectId.isId(s.toLowerCase(Locale.ROOT))) {
            return new Commit(s);
        }
        if (s.startsWith(Constants.R_TAGS)) {
            return new Tag(s);
        }
        return new Branch(s);
    }

    private static String strip(String name, String prefix) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("empty " + (prefix.equals(Constants.R_TAGS) ? "tag" : "branch") + " name");
        }
        String n = name.trim();
        return n.startsWith(prefix) ? n.substring(prefix.length()) : n;
    }

    private static void requireValidRef(String ref, String kind, String name) {
        if (!Repository.isValidRefName(ref)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid " + kind + " name");
        }
    }

    private static ObjectId parseId(String hex) {
        String h = hex == null ? "" : hex.trim().toLowerCase(Locale.ROOT);
        if (!ObjectId.isId(h)) {
            throw new IllegalArgumentException("a commit is pinned by its full 40-digit hex id, not \"" + hex + "\"");
        }
        return ObjectId.fromString(h);
    }
}
