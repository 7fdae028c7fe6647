package io.nkd.housekeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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
}
