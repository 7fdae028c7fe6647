package io.nkd.render;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files of the demo's config repository: repo-layout/example's sandbox cluster and its image catalog,
 * packaged in the jar (templates/demo/) so {@code nkd demo} works from any directory.
 */
public final class DemoRepository {
    static final String[] FILES = {
        "images/nestos.yaml",
        "clusters/sandbox-demo/cluster.yaml",
        "clusters/sandbox-demo/butane/all/10-motd.bu",
    };

    private DemoRepository() {
    }

    public static Map<String, String> files() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : FILES) {
            try (InputStream in = DemoRepository.class.getClassLoader().getResourceAsStream("demo/" + f)) {
                if (in == null) {
                    throw new IllegalStateException("demo file " + f + " is missing from the nkd build");
                }
                out.put(f, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.put("README.md", Templates.init("README.md").render(Map.of("cluster", "sandbox-demo")));
        out.put(".gitignore", Templates.init("gitignore").render(Map.of("cluster", "sandbox-demo")));
        return out;
    }
}
