package io.nkd.console;

import io.nkd.server.http.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The console's static files, read once from the jar. Scripts and styles are served under names that carry their
 * content's hash ({@code /ui/assets/app.3f2a9c1b.js}) and may be cached for a year ({@code immutable}): a new nkd
 * version has new names. The page itself ({@code /ui/}) names them and is revalidated on every load (ETag).
 * Every answer carries a Content-Security-Policy that allows only this server's own scripts and styles: no inline
 * script or style, no other origin, no framing. Each file is kept gzip-compressed as well and served so to
 * clients that accept it.
 */
public final class ConsoleAssets {
    /** What the page may load and do: only its own files and its own API. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    static final String ASSETS = "/ui/assets/";
    private static final String BASE = "/io/nkd/console/";
    /** The files the page names, in the order their placeholders appear in index.html. */
    private static final List<String> FILES = List.of("app.js", "app.css");

    /** One file as served. */
    public record Asset(String path, String contentType, byte[] body, byte[] gzip, String etag, boolean immutable) {
    }

    private final Map<String, Asset> byPath = new LinkedHashMap<>();
    private final Asset index;

    private ConsoleAssets() {
        String page = new String(read("index.html"), StandardCharsets.UTF_8);
        for (String file : FILES) {
            byte[] body = read(file);
            String hash = sha256(body).substring(0, 12);
            int dot = file.lastIndexOf('.');
            String path = ASSETS + file.substring(0, dot) + "." + hash + file.substring(dot);
            byPath.put(path, asset(path, type(file), body, true));
            page = page.replace("{{" + file + "}}", path);
        }
        if (page.contains("{{")) {
            throw new IllegalStateException("index.html names an asset that is not packaged: " + page.substring(page.indexOf("{{")));
        }
        index = asset("/ui/", "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), false);
    }

    private static final ConsoleAssets LOADED = new ConsoleAssets();

    /** The assets packaged in this jar (read and hashed once). */
    public static ConsoleAssets packaged() {
        return LOADED;
    }

    /** Every file the console serves, the page first. */
    public List<Asset> all() {
        List<Asset> out = new java.util.ArrayList<>();
        out.add(index);
        out.addAll(byPath.values());
        return out;
    }

    Asset index() {
        return index;
    }

    Optional<Asset> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    /** The answer to a GET of {@code asset}: 304 when the client's copy is current, gzip when the client takes it. */
    static Response serve(Asset asset, Optional<String> ifNoneMatch, Optional<String> acceptEncoding) {
        Response r;
        if (ifNoneMatch.map(v -> matches(v, asset.etag())).orElse(false)) {
            r = new Response(304, Map.of(), new byte[0]);
        } else if (acceptEncoding.map(ConsoleAssets::acceptsGzip).orElse(false)) {
            r = Response.of(200, asset.contentType(), asset.gzip()).with("Content-Encoding", "gzip");
        } else {
            r = Response.of(200, asset.contentType(), asset.body());
        }
        return secure(r).with("ETag", asset.etag()).with("Vary", "Accept-Encoding")
                .with("Cache-Control", asset.immutable() ? "public, max-age=31536000, immutable" : "no-cache");
    }

    /** The headers every console answer carries. */
    static Response secure(Response r) {
        return r.with("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .with("X-Content-Type-Options", "nosniff")
                .with("Referrer-Policy", "no-referrer")
                .with("X-Frame-Options", "DENY");
    }

    private static boolean matches(String header, String etag) {
        for (String v : header.split(",")) {
            String t = v.trim();
            if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    private static boolean acceptsGzip(String header) {
        for (String part : header.split(",")) {
            String[] p = part.trim().split(";");
            if (p[0].trim().equalsIgnoreCase("gzip")) {
                return !(p.length > 1 && p[1].replace(" ", "").matches("q=0(\\.0*)?"));
            }
        }
        return false;
    }

    private static Asset asset(String path, String type, byte[] body, boolean immutable) {
        return new Asset(path, type, body, gzip(body), "\"" + sha256(body).substring(0, 32) + "\"", immutable);
    }

    private static String type(String file) {
        if (file.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (file.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        throw new IllegalArgumentException("no content type for " + file);
    }

    private static byte[] read(String file) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(BASE + file)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + file + " is not in this jar (" + BASE + file + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
