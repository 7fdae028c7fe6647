package io.nkd.dataurl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * RFC 2397 {@code data:} URLs, the one implementation nkd has: decoded exactly as Ignition decodes them (the
 * lexer of github.com/vincent-petithory/dataurl, then base64 or RFC 2396 unescaping of the data, with that
 * library's error texts) and percent-escaped as Butane writes them ({@code dataurl.Escape}). Butane's choice
 * between the encodings stays in {@code butane.DataUrls}; validation, the plan's review and the sandbox's
 * pointer fetch all decode here, so they can never disagree about what a URL holds.
 */
public final class DataUrl {
    private final String input;
    private int pos;
    private boolean base64;
    private byte[] data;

    private DataUrl(String input) {
        this.input = input;
    }

    /** A URL Ignition would refuse; the message is the decoder's own (for example "missing data prefix"). */
    public static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    /** Whether {@code source} is meant as a data URL (whether it decodes is {@link #decode}'s business). */
    public static boolean isDataUrl(String source) {
        return source.startsWith("data:");
    }

    /** The bytes the URL holds, as Ignition would write them. */
    public static byte[] decode(String url) throws MalformedException {
        DataUrl lexer = new DataUrl(url);
        lexer.lex();
        return lexer.data;
    }

    /** The decoder's error message, or empty when the URL decodes. */
    public static Optional<String> decodeError(String url) {
        try {
            decode(url);
            return Optional.empty();
        } catch (MalformedException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * A resource's contents with Ignition's {@code compression: gzip} undone; empty when they are not gzip
     * or decompress to more than {@code maxBytes} (so that a small gzip bomb cannot fill the memory).
     */
    public static Optional<byte[]> gunzip(byte[] gzip, int maxBytes) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            byte[] plain = in.readNBytes(maxBytes + 1);
            return plain.length > maxBytes ? Optional.empty() : Optional.of(plain);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Go's {@code dataurl.Escape}: unreserved characters stay, every other byte becomes {@code %XX}
     * (upper-case hex), as Butane writes percent-encoded contents.
     */
    public static String escape(byte[] data) {
        StringBuilder sb = new StringBuilder(data.length * 3 / 2);
        for (byte b : data) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\''
                    || c == '(' || c == ')') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
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

    private void lex() throws MalformedException {
        if (!input.startsWith("data:")) {
            throw new MalformedException("missing data prefix");
        }
        pos = "data:".length();
        int r = next();
        if (r == ';') {
            parameters();
        } else if (r == ',') {
            data(pos);
        } else if (r == -1) {
            throw new MalformedException("missing comma before data");
        } else if (isToken(r)) {
            int start = pos - 1;
            boolean extension = (r == 'x' || r == 'X') && peekIs('-');
            mediaType(start, extension);
        } else {
            throw new MalformedException("invalid character after data prefix");
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

    private void mediaType(int start, boolean extension) throws MalformedException {
        while (true) {
            int r = next();
            if (r == '/') {
                String type = input.substring(start, pos - 1);
                if (!extension && !isDiscreteOrComposite(type)) {
                    throw new MalformedException("invalid media type");
                }
                break;
            } else if (r == -1) {
                throw new MalformedException("missing media type slash");
            } else if (!isToken(r)) {
                throw new MalformedException("invalid character for media type");
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
                throw new MalformedException("incomplete media type");
            } else if (!isToken(r)) {
                throw new MalformedException("invalid character for media subtype");
            }
        }
    }

    /** After a ';': attribute=value pairs, or the {@code base64} marker, up to the comma. */
    private void parameters() throws MalformedException {
        while (true) {
            int r = next();
            if (r == -1 || r == '=' || r == ',') {
                throw new MalformedException("unterminated parameter sequence");
            }
            if (!isToken(r)) {
                throw new MalformedException("invalid character for parameter attribute");
            }
            int start = pos - 1;
            while (true) {
                r = next();
                if (r == '=') {
                    break;
                } else if (r == ',') {
                    String marker = input.substring(start, pos - 1);
                    if (!marker.equals("base64")) {
                        throw new MalformedException("expected base64, got " + marker);
                    }
                    base64 = true;
                    data(pos);
                    return;
                } else if (r == -1) {
                    throw new MalformedException("unterminated parameter sequence");
                } else if (!isToken(r)) {
                    throw new MalformedException("invalid character for parameter attribute");
                }
            }
            if (parameterValue() == ',') {
                data(pos);
                return;
            }
        }
    }

    /** Reads a parameter value and the separator after it; returns that separator. */
    private int parameterValue() throws MalformedException {
        int r = next();
        if (r == '"') {
            int start = pos;
            while (true) {
                r = next();
                if (r == -1) {
                    throw new MalformedException("unclosed quoted string");
                } else if (r == '\\') {
                    int escaped = next();
                    if (escaped == -1) {
                        throw new MalformedException("unexpected eof");
                    } else if (escaped > 0x7f) {
                        throw new MalformedException("invalid escaped character");
                    }
                } else if (r == '"') {
                    unquote(input.substring(start, pos - 1));
                    break;
                } else if (r > 0x7f) {
                    throw new MalformedException("invalid character for parameter value");
                }
            }
        } else if (r == -1) {
            throw new MalformedException("missing comma before data");
        } else if (isToken(r)) {
            int start = pos - 1;
            while (true) {
                r = next();
                if (r == ';' || r == ',') {
                    backup();
                    unescape(input.substring(start, pos));
                    break;
                } else if (r == -1) {
                    throw new MalformedException("missing comma before data");
                } else if (!isToken(r)) {
                    throw new MalformedException("invalid character for parameter value");
                }
            }
        } else {
            throw new MalformedException("invalid character for parameter value");
        }
        r = next();
        if (r == ';' || r == ',') {
            return r;
        }
        throw new MalformedException(r == -1 ? "missing comma before data" : "expected semicolon or comma");
    }

    private void data(int start) throws MalformedException {
        for (int i = start; i < input.length(); i++) {
            char c = input.charAt(i);
            if (base64 ? !isBase64(c) : !isUrlChar(c)) {
                throw new MalformedException("invalid data character");
            }
        }
        String text = input.substring(start);
        if (!base64) {
            data = unescape(text);
            return;
        }
        // Go's StdEncoding requires padding to a multiple of four; Java's decoder does not
        if (text.length() % 4 != 0) {
            throw new MalformedException("illegal base64 data at input byte " + (text.length() / 4 * 4));
        }
        try {
            data = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            int at = Math.max(0, text.indexOf('='));
            throw new MalformedException("illegal base64 data at input byte " + at);
        }
    }

    /** RFC 2396 unescaping as the decoder does it: ASCII only, every '%' followed by two hex digits. */
    private static byte[] unescape(String s) throws MalformedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x7f) {
                throw new MalformedException("rfc2396: non-ASCII char detected");
            }
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new MalformedException("rfc2396: unexpected end of unescape sequence");
            }
            if (!isHex(s.charAt(i + 1))) {
                throw new MalformedException("rfc2396: invalid char 0x25 in unescape sequence");
            }
            if (i + 2 >= s.length()) {
                throw new MalformedException("rfc2396: unexpected end of unescape sequence");
            }
            if (!isHex(s.charAt(i + 2))) {
                throw new MalformedException("rfc2396: invalid char 0x25 in unescape sequence");
            }
            out.write(Integer.parseInt(s, i + 1, i + 3, 16));
            i += 2;
        }
        return out.toByteArray();
    }

    /** Go's {@code strconv.Unquote} accepts only its own escape sequences. */
    private static void unquote(String s) throws MalformedException {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                char e = i + 1 < s.length() ? s.charAt(i + 1) : 0;
                if ("abfnrtv\\\"".indexOf(e) < 0) {
                    throw new MalformedException("invalid syntax");
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
