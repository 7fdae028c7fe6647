package io.nkd.ignition.validate;

import java.util.Base64;
import java.util.Optional;

/**
 * Whether a {@code data:} URL decodes the way Ignition decodes it (the RFC 2397 lexer of
 * github.com/vincent-petithory/dataurl, then base64 or percent-unescaping of the data). Only the
 * verdict and the decoder's error text are needed, so nothing is kept of the decoded bytes.
 */
final class DataUrl {
    private final String input;
    private int pos;
    private boolean base64;

    private DataUrl(String input) {
        this.input = input;
    }

    /** The decoder's error message, or empty when the URL decodes. */
    static Optional<String> decodeError(String url) {
        try {
            new DataUrl(url).lex();
            return Optional.empty();
        } catch (DecodeException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** A malformed data URL; it never leaves this class. */
    private static final class DecodeException extends Exception {
        DecodeException(String message) {
            super(message, null, false, false);
        }
    }

    private int next() {
        if (pos >= input.length()) {
            return -1;
        }
        return input.charAt(pos++);
    }

    private void backup() {
        pos--;
    }

    private void lex() throws DecodeException {
        if (!input.startsWith("data:")) {
            throw new DecodeException("missing data prefix");
        }
        pos = "data:".length();
        int r = next();
        if (r == ';') {
            parameters();
        } else if (r == ',') {
            data(pos);
        } else if (r == -1) {
            throw new DecodeException("missing comma before data");
        } else if (isToken(r)) {
            int start = pos - 1;
            boolean extension = (r == 'x' || r == 'X') && peekIs('-');
            mediaType(start, extension);
        } else {
            throw new DecodeException("invalid character after data prefix");
        }
    }

    private boolean peekIs(char c) {
        if (pos < input.length() && input.charAt(pos) == c) {
            pos++;
            return true;
        }
        if (pos < input.length()) {
            pos++; // the lexer consumes the rune it looked at
        }
        return false;
    }

    private void mediaType(int start, boolean extension) throws DecodeException {
        while (true) {
            int r = next();
            if (r == '/') {
                String type = input.substring(start, pos - 1);
                if (!extension && !isDiscreteOrComposite(type)) {
                    throw new DecodeException("invalid media type");
                }
                break;
            } else if (r == -1) {
                throw new DecodeException("missing media type slash");
            } else if (!isToken(r)) {
                throw new DecodeException("invalid character for media type");
            }
        }
        while (true) {
            int r = next();
            if (r == ';') {
                parameters();
                return;
            } else if (r == ',') {
                data(pos);
                return;
            } else if (r == -1) {
                throw new DecodeException("incomplete media type");
            } else if (!isToken(r)) {
                throw new DecodeException("invalid character for media subtype");
            }
        }
    }

    /** After a ';': attribute=value pairs, or the {@code base64} marker, up to the comma. */
    private void parameters() throws DecodeException {
        while (true) {
            int r = next();
            if (r == -1 || r == '=' || r == ',') {
                throw new DecodeException("unterminated parameter sequence");
            }
            if (!isToken(r)) {
                throw new DecodeException("invalid character for parameter attribute");
            }
            int start = pos - 1;
            while (true) {
                r = next();
                if (r == '=') {
                    break;
                } else if (r == ',') {
                    String marker = input.substring(start, pos - 1);
                    if (!marker.equals("base64")) {
                        throw new DecodeException("expected base64, got " + marker);
                    }
                    base64 = true;
                    data(pos);
                    return;
                } else if (r == -1) {
                    throw new DecodeException("unterminated parameter sequence");
                } else if (!isToken(r)) {
                    throw new DecodeException("invalid character for parameter attribute");
                }
            }
            if (parameterValue() == ',') {
                data(pos);
                return;
            }
        }
    }

    /** Reads a parameter value and the separator after it; returns that separator. */
    private int parameterValue() throws DecodeException {
        int r = next();
        if (r == '"') {
            int start = pos;
            while (true) {
                r = next();
                if (r == -1) {
                    throw new DecodeException("unclosed quoted string");
                } else if (r == '\\') {
                    int escaped = next();
                    if (escaped == -1) {
                        throw new DecodeException("unexpected eof");
                    } else if (escaped > 0x7f) {
                        throw new DecodeException("invalid escaped character");
                    }
                } else if (r == '"') {
                    unquote(input.substring(start, pos - 1));
                    break;
                } else if (r > 0x7f) {
                    throw new DecodeException("invalid character for parameter value");
                }
            }
        } else if (r == -1) {
            throw new DecodeException("missing comma before data");
        } else if (isToken(r)) {
            int start = pos - 1;
            while (true) {
                r = next();
                if (r == ';' || r == ',') {
                    backup();
                    unescape(input.substring(start, pos));
                    break;
                } else if (r == -1) {
                    throw new DecodeException("missing comma before data");
                } else if (!isToken(r)) {
                    throw new DecodeException("invalid character for parameter value");
                }
            }
        } else {
            throw new DecodeException("invalid character for parameter value");
        }
        r = next();
        if (r == ';' || r == ',') {
            return r;
        }
        throw new DecodeException(r == -1 ? "missing comma before data" : "expected semicolon or comma");
    }

    private void data(int start) throws DecodeException {
        for (int i = start; i < input.length(); i++) {
            char c = input.charAt(i);
            if (base64 ? !isBase64(c) : !isUrlChar(c)) {
                throw new DecodeException("invalid data character");
            }
        }
        String data = input.substring(start);
        if (data.isEmpty()) {
            return;
        }
        if (base64) {
            // Go's StdEncoding requires padding to a multiple of four; Java's decoder does not
            if (data.length() % 4 != 0) {
                throw new DecodeException("illegal base64 data at input byte " + (data.length() / 4 * 4));
            }
            try {
                Base64.getDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                int at = Math.max(0, data.indexOf('='));
                throw new DecodeException("illegal base64 data at input byte " + at);
            }
        } else {
            unescape(data);
        }
    }

    /** RFC 2396 unescaping as the decoder does it: ASCII only, every '%' followed by two hex digits. */
    private static void unescape(String s) throws DecodeException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x7f) {
                throw new DecodeException("rfc2396: non-ASCII char detected");
            }
            if (c == '%') {
                if (i + 1 >= s.length()) {
                    throw new DecodeException("rfc2396: unexpected end of unescape sequence");
                }
                if (!isHex(s.charAt(i + 1))) {
                    throw new DecodeException("rfc2396: invalid char 0x25 in unescape sequence");
                }
                if (i + 2 >= s.length()) {
                    throw new DecodeException("rfc2396: unexpected end of unescape sequence");
                }
                if (!isHex(s.charAt(i + 2))) {
                    throw new DecodeException("rfc2396: invalid char 0x25 in unescape sequence");
                }
                i += 2;
            }
        }
    }

    /** Go's {@code strconv.Unquote} accepts only its own escape sequences. */
    private static void unquote(String s) throws DecodeException {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                char e = i + 1 < s.length() ? s.charAt(i + 1) : 0;
                if ("abfnrtv\\\"".indexOf(e) < 0) {
                    throw new DecodeException("invalid syntax");
                }
                i++;
            }
        }
    }

    private static boolean isToken(int r) {
        return r > 0x20 && r < 0x7f && "()<>@,;:\\\"/[]?=".indexOf(r) < 0;
    }

    private static boolean isDiscreteOrComposite(String type) {
        for (String prefix : new String[] {"text", "image", "audio", "video", "application", "message", "multipart"}) {
            if (type.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUrlChar(char c) {
        return c <= 0x7f && c > 0x1f && c != 0x7f && " <>#\"{}|\\^[]`".indexOf(c) < 0;
    }

    private static boolean isBase64(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '+' || c == '/' || c == '=';
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
