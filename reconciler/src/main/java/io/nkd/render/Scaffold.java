package io.nkd.render;

import java.util.LinkedHashMap;
import java.util.Map;

/** The files of a new config repository ({@code nkd init}), from templates/init/. Pure. */
public final class Scaffold {
    private Scaffold() {
    }

    /** Repository-relative path → contents. */
    public static Map<String, String> files(String cluster) {
        Map<String, Object> model = Map.of("cluster", cluster);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("README.md", Templates.init("README.md").render(model));
        files.put(".gitignore", Templates.init("gitignore").render(model));
        files.put("clusters/" + cluster + "/cluster.yaml", Templates.init("cluster.yaml").render(model));
        files.put("images/nestos.yaml", Templates.init("images.yaml").render(model));
        return files;
    }
}
