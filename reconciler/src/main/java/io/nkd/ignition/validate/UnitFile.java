package io.nkd.ignition.validate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * systemd unit-file syntax as Ignition checks it: the lexer of go-systemd's {@code unit.Deserialize}
 * (sections in brackets, {@code name=value} options, backslash continuation lines, {@code #} and
 * {@code ;} comments, lines at most 2048 bytes). Ignition only needs to know whether contents parse
 * and which sections hold options (for the {@code [Install]} warning), so that is all this keeps.
 *
 * @param optionSections the section of every option, in order
 * @param error          go-systemd's error text when the contents do not parse
 */
record UnitFile(List<String> optionSections, Optional<String> error) {
    static final int LINE_MAX = 2048;

    static UnitFile parse(String contents) {
        return new Lexer(contents.getBytes(StandardCharsets.UTF_8)).run();
    }

    boolean hasOptionIn(String section) {
        return optionSections.contains(section);
    }

    /** One pass over the bytes; each method is one state of go-systemd's lexer. */
    private static final class Lexer {
        private final byte[] in;
        private int pos;
        private final List<String> sections = new ArrayList<>();
        private String error;

        private enum State { NEXT_SECTION, SECTION_NAME, NEXT_SECTION_OR_OPTION, OPTION, DONE }

        Lexer(byte[] in) {
            this.in = in;
        }

        UnitFile run() {
            State state = State.NEXT_SECTION;
            String section = "";
            while (state != State.DONE && error == null) {
                if (lineTooLong()) {
                    error = "line too long (max " + LINE_MAX + " bytes)";
                    break;
                }
                switch (state) {
                    case NEXT_SECTION -> state = nextSection();
                    case SECTION_NAME -> {
                        Optional<String> name = sectionName();
                        state = name.isPresent() ? State.NEXT_SECTION_OR_OPTION : State.DONE;
                        section = name.orElse(section);
                    }
                    case NEXT_SECTION_OR_OPTION -> state = nextSectionOrOption();
                    case OPTION -> {
                        if (option()) {
                            sections.add(section);
                            state = State.NEXT_SECTION_OR_OPTION;
                        } else {
                            state = State.DONE;
                        }
                    }
                    default -> state = State.DONE;
                }
            }
            return new UnitFile(List.copyOf(sections), Optional.ofNullable(error));
        }

        /** go-systemd refuses a line systemd would silently truncate. */
        private boolean lineTooLong() {
            if (in.length - pos < LINE_MAX) {
                return false;
            }
            for (int i = pos; i < pos + LINE_MAX; i++) {
                if (in[i] == '\n' || in[i] == '\r') {
                    return false;
                }
            }
            return true;
        }

        private State nextSection() {
            int r = readRune();
            if (r < 0) {
                return State.DONE;
            }
            if (r == '[') {
                return State.SECTION_NAME;
            }
            if (r == '#' || r == ';') {
                ignoreLine();
            }
            return State.NEXT_SECTION;
        }

        private Optional<String> sectionName() {
            int end = pos;
            while (end < in.length && in[end] != ']') {
                end++;
            }
            if (end >= in.length) {
                error = "unable to find end of section";
                return Optional.empty();
            }
            String name = new String(in, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
            String garbage = trimSpace(toEndOfLine().text);
            if (!garbage.isEmpty()) {
                // go-systemd prints its never-set section field here, hence the empty name
                error = "found garbage after section name : " + IgnitionMessages.goQuote(garbage);
                return Optional.empty();
            }
            return Optional.of(name);
        }

        private State nextSectionOrOption() {
            int start = pos;
            int r = readRune();
            if (r < 0) {
                return State.DONE;
            }
            if (isSpace(r)) {
                return State.NEXT_SECTION_OR_OPTION;
            }
            if (r == '[') {
                return State.SECTION_NAME;
            }
            if (r == '#' || r == ';') {
                ignoreLine();
                return State.NEXT_SECTION_OR_OPTION;
            }
            pos = start;
            return State.OPTION;
        }

        /** An option name up to '=', then its value with continuation lines; false on error. */
        private boolean option() {
            while (true) {
                int r = readRune();
                if (r < 0) {
                    error = "EOF";
                    return false;
                }
                if (r == '\n' || r == '\r') {
                    error = "unexpected newline encountered while parsing option name";
                    return false;
                }
                if (r == '=') {
                    break;
                }
            }
            while (true) {
                Line line = toEndOfLine();
                if (trimSpace(line.text).isEmpty() || !line.text.endsWith("\\")) {
                    return true;
                }
            }
        }

        private void ignoreLine() {
            while (true) {
                String line = toEndOfLine().text;
                if (line.endsWith(" ")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (!line.endsWith("\\")) {
                    return;
                }
            }
        }

        private record Line(String text, boolean eof) {
        }

        /** Like go-systemd's toEOL: the rest of the line without its "\n" (a "\r" stays unless at EOF). */
        private Line toEndOfLine() {
            int start = pos;
            while (pos < in.length && in[pos] != '\n') {
                pos++;
            }
            boolean eof = pos >= in.length;
            int end = pos;
            if (!eof) {
                pos++;
            } else if (end > start && in[end - 1] == '\r') {
                end--;
            }
            return new Line(new String(in, start, end - start, StandardCharsets.UTF_8), eof);
        }

        private int readRune() {
            if (pos >= in.length) {
                return -1;
            }
            int b = in[pos] & 0xff;
            int width;
            int cp;
            if (b < 0x80) {
                width = 1;
                cp = b;
            } else if (b >= 0xc2 && b < 0xe0) {
                width = 2;
                cp = b & 0x1f;
            } else if (b >= 0xe0 && b < 0xf0) {
                width = 3;
                cp = b & 0x0f;
            } else if (b >= 0xf0 && b < 0xf5) {
                width = 4;
                cp = b & 0x07;
            } else {
                pos++;
                return 0xfffd;
            }
            if (pos + width > in.length) {
                pos++;
                return 0xfffd;
            }
            for (int i = 1; i < width; i++) {
                int c = in[pos + i] & 0xff;
                if ((c & 0xc0) != 0x80) {
                    pos++;
                    return 0xfffd;
                }
                cp = (cp << 6) | (c & 0x3f);
            }
            pos += width;
            return cp;
        }

        /** Go's {@code unicode.IsSpace}. */
        private static boolean isSpace(int r) {
            return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xa0
                    || (r > 0xff && Character.isSpaceChar(r));
        }

        private static String trimSpace(String s) {
            int start = 0;
            int end = s.length();
            while (start < end && isSpace(s.codePointAt(start))) {
                start += Character.charCount(s.codePointAt(start));
            }
            while (end > start && isSpace(s.codePointBefore(end))) {
                end -= Character.charCount(s.codePointBefore(end));
            }
            return s.substring(start, end);
        }
    }
}
