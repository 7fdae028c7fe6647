package io.nkd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.butane.Butane;
import io.nkd.json.JsonOutput;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Butane→Ignition transpile throughput, in configs per second, for one typical Kubernetes node config
 * of {@value NodeConfig#FILE_COUNT} files ({@link NodeConfig}): the in-process engine cost, without JVM
 * start-up (see {@code bench/cli-startup.sh} for that).
 *
 * <ul>
 *   <li>{@link #translate()}: {@code Butane.translate} alone — YAML parse, spec walk, desugaring, data-URL
 *       encoding (gzip/base64), mount-unit generation, Ignition validation.</li>
 *   <li>{@link #translateAndWriteJson()}: the same plus compact JSON serialization
 *       ({@code JsonOutput.write(config, false)}), i.e. what {@code nkd butane} does between reading its
 *       input and printing.</li>
 * </ul>
 *
 * <p>The annotations give short defaults fit for a 2-core machine; command-line options override them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ButaneTranspileBenchmark {
    private String yaml;
    private Butane.Options options;

    @Setup(Level.Trial)
    public void setup() {
        yaml = NodeConfig.yaml();
        options = Butane.Options.defaults();
        Butane.Result result = Butane.translate(yaml, options);
        // Never measure an error path: the config must translate cleanly even under --strict.
        if (!result.ok(true)) {
            throw new IllegalStateException("the benchmark config does not translate cleanly:\n" + result.report());
        }
        JsonNode files = result.config().at("/storage/files");
        if (files.size() != NodeConfig.FILE_COUNT) {
            throw new IllegalStateException("expected " + NodeConfig.FILE_COUNT + " files, got " + files.size());
        }
        int gzip = 0;
        int base64 = 0;
        for (JsonNode f : files) {
            String source = f.at("/contents/source").asText("");
            if ("gzip".equals(f.at("/contents/compression").asText(""))) {
                gzip++;
            } else if (source.startsWith("data:;base64,")) {
                base64++;
            }
        }
        if (gzip == 0 || base64 == 0) {
            throw new IllegalStateException("expected both gzip and plain base64 contents, got gzip=" + gzip
                    + " base64=" + base64);
        }
        String json = JsonOutput.write(result.config(), false);
        boolean mountUnit = false;
        for (JsonNode u : result.config().at("/systemd/units")) {
            mountUnit |= "var-lib-containers.mount".equals(u.path("name").asText());
        }
        // The mount unit goes missing while the engine runs on the temporary merger stub (a shallow,
        // top-level replace): it is reported rather than asserted, so the figures say what they measured.
        System.out.printf("%nnode config: %d files (%d gzip, %d base64), %d systemd units (generated mount unit %s),"
                        + " YAML %d bytes, Ignition JSON %d bytes%n", files.size(), gzip, base64,
                result.config().at("/systemd/units").size(), mountUnit ? "present" : "MISSING", yaml.length(),
                json.length());
    }

    @Benchmark
    public Butane.Result translate() {
        return Butane.translate(yaml, options);
    }

    @Benchmark
    public String translateAndWriteJson() {
        return JsonOutput.write(Butane.translate(yaml, options).config(), false);
    }
}
