package io.nkd.housekeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code java -jar housekeeper.jar …}: both components reachable, a bare call says what to do. */
class MainTest {
    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void helpListsBothComponents() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("operator") && r.out().contains("agent"), r.out());
    }

    @Test
    void withoutAComponentItFailsAndSaysWhichToName() {
        Run r = run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("say which component to run: operator or agent"), r.err());
    }

    @Test
    void eachComponentHasItsOwnHelp() {
        Run agent = run("agent", "--help");
        assertEquals(0, agent.exit());
        assertTrue(agent.out().contains("--node"), agent.out());
        Run operator = run("operator", "--help");
        assertEquals(0, operator.exit());
        assertTrue(operator.out().contains("--namespace"), operator.out());
    }

    /** A wrong option value is a usage error: the message names the option, without a Java stack trace. */
    @ParameterizedTest
    @ValueSource(strings = {"operator --resync=0s", "operator --resync=banana",
            "operator --node-ready-timeout=1.5h", "operator --etcd-check=maybe", "operator --metrics-port=99999",
            "operator --node-selector==x", "agent --node=n1 --health-port=99999",
            "agent --node=n1 --image-transport=signed"})
    void aWrongOptionValueIsAUsageErrorNamingTheOption(String line) {
        String[] args = line.split(" ");
        Run r = run(args);
        String option = args[args.length - 1].replaceAll("=.*", "");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(option) || r.err().contains("--ostree-remote"), r.err());
        assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.err());
    }
}
