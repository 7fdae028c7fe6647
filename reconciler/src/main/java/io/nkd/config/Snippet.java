package io.nkd.config;

/**
 * A user Butane snippet: {@code clusters/<name>/butane/all/*.bu} or {@code clusters/<name>/butane/<pool>/*.bu}.
 *
 * @param overridesOwnedPaths the snippet opted in (with a {@code # nkd: override} line) to replace files nkd owns
 */
public record Snippet(String file, String pool, String text, boolean overridesOwnedPaths) {
    public static final String ALL_POOLS = "all";
    public static final String OVERRIDE_MARKER = "# nkd: override";

    static Snippet of(String file, String pool, String text) {
        boolean override = text.lines().anyMatch(l -> l.strip().equals(OVERRIDE_MARKER));
        return new Snippet(file, pool, text, override);
    }
}
