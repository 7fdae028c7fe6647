package io.nkd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.IgnitionConfigs;
import io.nkd.ignition.merge.IgnitionMerger;
import io.nkd.json.JsonOutput;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd ignition merge}: Ignition's config merge, child over parent. */
@Command(name = "merge",
        mixinStandardHelpOptions = true,
        description = {
            "Merge two Ignition configs the way Ignition merges ignition.config.merge: CHILD's settings "
                    + "override PARENT's, keyed lists merge entry by entry.",
            "Prints the merged config."
        },
        footer = {"", "Example:", "  nkd ignition merge base.ign node-overrides.ign > node.ign"})
final class IgnitionMergeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PARENT")
    Path parent;

    @Parameters(index = "1", paramLabel = "CHILD")
    Path child;

    @Option(names = "--compact", description = "Print compact JSON instead of indented JSON.")
    boolean compact;

    @Override
    public Integer call() {
        JsonNode p = parse(parent);
        JsonNode c = parse(child);
        if (!p.isObject() || !c.isObject()) {
            throw new UserException((p.isObject() ? child : parent) + ": an Ignition config must be a JSON object");
        }
        System.out.println(JsonOutput.write(IgnitionMerger.merge(p, c).config(), !compact));
        return 0;
    }

    private static JsonNode parse(Path file) {
        try {
            return IgnitionConfigs.readTree(IgnitionValidateCommand.read(file));
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            throw new UserException(file + (l != null ? ", line " + l.getLineNr() + " col " + l.getColumnNr() : "")
                    + ": invalid JSON: " + e.getOriginalMessage());
        }
    }
}
