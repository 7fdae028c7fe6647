package io.nkd.housekeeper.agent.host;

/**
 * Bounds command output for logs and for the node report: a Node annotation is small and shared by every reader of
 * the Node, so only the end of the output goes there (the end is where tools say what went wrong).
 */
public final class OutputTail {
    /** At most this many of the last lines. */
    public static final int MAX_LINES = 20;
    /** At most this many of the last characters. */
    public static final int MAX_CHARS = 2048;
    /** How much of a stream a command result keeps at all (rpm-ostree status --json is a few hundred KB). */
    public static final int MAX_CAPTURE = 8 * 1024 * 1024;

    private OutputTail() {
    }

    public static String of(String output) {
        if (output == null || output.isBlank()) {
            return "";
        }
        String text = output.stripTrailing();
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - MAX_LINES);
        String tail = String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
        if (tail.length() > MAX_CHARS) {
            tail = tail.substring(tail.length() - MAX_CHARS);
        }
        // mark a cut so that a reader does not take the tail for the whole output
        return tail.length() < text.length() ? "…" + tail : tail;
    }
}
