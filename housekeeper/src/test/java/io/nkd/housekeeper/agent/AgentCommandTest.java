package io.nkd.housekeeper.agent;

import io.nkd.housekeeper.agent.host.ImageTransport;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentCommandTest {

    @Test
    void optionsAndDefaults() {
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--node", "w-1");
        assertEquals("w-1", cmd.node);
        assertEquals(ImageTransport.UNVERIFIED, cmd.imageTransport);
        assertEquals(8081, cmd.healthPort);

        AgentCommand signed = new AgentCommand();
        new CommandLine(signed).parseArgs("--node", "w-1", "--image-transport", "Signed", "--ostree-remote", "nestos",
                "--health-port", "0");
        assertEquals(ImageTransport.SIGNED, signed.imageTransport);
        assertEquals("nestos", signed.ostreeRemote);
        assertEquals(0, signed.healthPort);
    }

    @Test
    void anUnknownTransportNamesTheAcceptedOnes() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new AgentCommand()).setErr(new PrintWriter(err))
                .execute("--node", "w-1", "--image-transport", "gpg");
        assertEquals(2, code);
        assertTrue(err.toString().contains("'gpg' is not an image transport: use unverified or signed"), err.toString());
    }

    @Test
    void missingNodeNameOrOstreeRemoteIsAUsageError() {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, new CommandLine(new AgentCommand()).execute("--node="));
            assertEquals(2, new CommandLine(new AgentCommand()).execute("--node", "w-1", "--image-transport", "signed"));
        } finally {
            System.setErr(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("no node name: pass --node or set NODE_NAME"), out);
        assertTrue(out.contains("--image-transport signed needs --ostree-remote"), out);
    }
}
