package io.nkd.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the generated 100-cluster repository of {@link RenderScaleBenchmark} to a directory, for the daemon harness. */
public final class ScaleRepository {
    private ScaleRepository() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int clusters = args.length > 1 ? Integer.parseInt(args[1]) : RenderScaleBenchmark.CLUSTERS;
        for (var e : RenderScaleBenchmark.repository(clusters).files().entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        System.out.println("wrote " + clusters + " clusters to " + dir);
    }
}
