package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Every command's help: whole sentences, and every example in it parses as it is printed. */
class HelpTextTest {
    /** Every command and subcommand, as the full tree nkd --help builds. */
    private static List<CommandLine> all() {
        List<CommandLine> out = new ArrayList<>();
        collect(Main.build(null), out);
        return out;
    }

    private static void collect(CommandLine c, List<CommandLine> out) {
        out.add(c);
        c.getSubcommands().values().stream().distinct().filter(s -> !s.getCommandName().equals("help")).forEach(s -> collect(s, out));
    }

    @Test
    void descriptionsAreWholeSentences() {
        List<String> cut = new ArrayList<>();
        for (CommandLine c : all()) {
            CommandSpec spec = c.getCommandSpec();
            // each array element is printed on its own line(s): one that stops mid-sentence reads as cut off
            for (String line : spec.usageMessage().description()) {
                if (!line.isEmpty() && !line.matches("(?s).*[.:!?)]$")) {
                    cut.add(spec.qualifiedName() + ": \"" + line + "\"");
                }
            }
            spec.options().forEach(o -> {
                String d = String.join(" ", o.description());
                if (!d.isEmpty() && !d.matches("(?s).*[.:!?)]$")) {
                    cut.add(spec.qualifiedName() + " " + o.longestName() + ": \"" + d + "\"");
                }
            });
        }
        assertEquals(List.of(), cut, "help text that stops mid-sentence");
    }

    @Test
    void everyExampleInEveryHelpParses() {
        int examples = 0;
        List<String> failures = new ArrayList<>();
        for (CommandLine c : all()) {
            String[] footer = c.getCommandSpec().usageMessage().footer();
            for (int i = 0; i < footer.length; i++) {
                String line = footer[i].strip();
                if (!line.startsWith("nkd ") && !line.startsWith("./nkd ") && !line.contains("| nkd ")) {
                    continue;
                }
                StringBuilder command = new StringBuilder(line);
                while (command.toString().endsWith("\\") && i + 1 < footer.length) {
                    command.setLength(command.length() - 1);
                    command.append(' ').append(footer[++i].strip());
                }
                for (String part : command.toString().split("&&")) {
                    examples++;
                    String error = parse(part.strip());
                    if (error != null) {
                        failures.add(c.getCommandSpec().qualifiedName() + ": `" + part.strip() + "`: " + error);
                    }
                }
            }
        }
        assertTrue(examples >= 30, "found only " + examples + " examples");
        assertEquals(List.of(), failures);
    }

    /** Parses one example as a shell would hand it to nkd; null when picocli accepts it. */
    private static String parse(String shellLine) {
        String line = shellLine.replaceAll("\\s+#.*$", "").replaceFirst("^\\./nkd ", "nkd ");
        if (line.contains("| nkd ")) {
            line = line.substring(line.indexOf("| nkd ") + 2);
        }
        line = line.replaceAll("\\s*[|>].*$", "");
        List<String> words = shellWords(line);
        if (!words.get(0).equals("nkd")) {
            return "does not start with nkd";
        }
        String[] args = words.subList(1, words.size()).toArray(String[]::new);
        String command = Main.commandName(args);
        if (command != null && !Main.COMMANDS.contains(command) && !command.equals("help")) {
            return "unknown command " + command;
        }
        try {
            Main.build(command).parseArgs(args);
            return null;
        } catch (CommandLine.ParameterException e) {
            return e.getMessage();
        }
    }

    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char ch : line.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else {
                    word.append(ch);
                }
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
                inWord = true;
            } else if (Character.isWhitespace(ch)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(ch);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
