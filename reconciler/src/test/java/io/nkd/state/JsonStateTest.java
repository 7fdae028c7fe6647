package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON documents: records round-trip; damaged files are reported with location, never content. */
class JsonStateTest {
    enum Phase { PENDING, READY }

    record Node(String name, String version, int generation) {
    }

    record Status(String revision, Phase phase, Instant appliedAt, List<Node> nodes, Map<String, Integer> counts,
                  byte[] digest, boolean paused) {
    }

    record Revision(String commit) {
        Revision {
            if (commit == null || commit.length() != 40) {
                throw new IllegalArgumentException("bad commit " + commit);
            }
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Tolerant(String revision) {
    }

    /** A value that only shows up in a message if the store quoted the file. */
    static final String SECRET = "s3cr3t-T0KEN";

    @TempDir
    Path tmp;
    LocalStateStore store;
    ClusterState state;
    Path file;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        state = store.open("demo");
        file = store.root().resolve("clusters/demo/status.json");
    }

    @AfterEach
    void tearDown() {
        state.close();
    }

    @Test
    void recordsRoundTrip() throws Exception {
        Status status = new Status("0123abcd", Phase.READY, Instant.parse("2026-11-22T10:00:00.123Z"),
                List.of(new Node("cp-0", "1.30.2", 3), new Node("w-0", null, 0)), Map.of("ready", 2),
                new byte[] {1, 2, 3}, true);
        state.writeJson("status.json", status, Sensitivity.PUBLIC);
        Status back = store.view("demo").readJson("status.json", Status.class).orElseThrow();
        assertEquals(status.revision(), back.revision());
        assertEquals(status.phase(), back.phase());
        assertEquals(status.appliedAt(), back.appliedAt());
        assertEquals(status.nodes(), back.nodes());
        assertEquals(status.counts(), back.counts());
        assertArrayEquals(new byte[] {1, 2, 3}, back.digest());
        assertTrue(back.paused());

        String json = Files.readString(file);
        assertTrue(json.contains("\"appliedAt\" : \"2026-11-22T10:00:00.123Z\""), json);
        assertTrue(json.endsWith("}\n"), "pretty, newline-terminated for operators");
        assertEquals(Optional.empty(), state.readJson("missing.json", Status.class));
    }

    @Test
    void invalidJsonNamesTheFileAndThePlaceButNotTheContent() throws Exception {
        corrupt("{\n  \"revision\": \"abc\",\n  " + SECRET + "\n}\n");
        CorruptStateException e = read(Status.class, Recovery.REGENERATED);
        assertEquals("state file " + file + " is corrupt: not valid JSON at line 3 column 3. Restore it from a"
                + " backup of the state directory, or delete it and nkd will regenerate it on the next reconcile.",
                e.getMessage());
        assertEquals(file, e.file());
        assertEquals(null, e.getCause(), "Jackson's exception quotes the input");
    }

    @Test
    void truncatedJsonIsReportedAsSuch() throws Exception {
        corrupt("{\n  \"revision\": \"" + SECRET);
        CorruptStateException e = read(Status.class, Recovery.UNSPECIFIED);
        assertTrue(e.getMessage().startsWith("state file " + file + " is corrupt: the JSON ends early, at line 2"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(truncated?). Restore it from a backup of the state directory; delete it"
                + " only if you know nkd recreates it."), e.getMessage());
    }

    @Test
    void anEmptyFileIsReportedAsEmpty() throws Exception {
        corrupt("");
        assertEquals("state file " + file + " is corrupt: empty file. Restore it from a backup of the state"
                + " directory; nkd cannot regenerate it, so do not delete it.",
                read(Status.class, Recovery.BACKUP_ONLY).getMessage());
        corrupt(" \n\t\n");
        assertEquals("the file holds only whitespace", read(Status.class, Recovery.BACKUP_ONLY).problem());
    }

    @Test
    void wrongShapesNameTheFieldAndTheExpectedType() throws Exception {
        corrupt("[\"" + SECRET + "\"]");
        assertEquals("wrong shape: the document at line 1 column 1 should be an object of type Status",
                read(Status.class, Recovery.UNSPECIFIED).problem());

        corrupt("{\"revision\": {\"x\": \"" + SECRET + "\"}}");
        assertEquals("wrong shape: field revision at line 1 column 14 should be a string",
                read(Status.class, Recovery.UNSPECIFIED).problem());

        corrupt("{\"nodes\": [{\"name\": \"a\", \"generation\": \"" + SECRET + "\"}]}");
        assertEquals("wrong shape: field nodes[0].generation at line 1 column 40 should be a number",
                read(Status.class, Recovery.UNSPECIFIED).problem());

        corrupt("{\"phase\": \"" + SECRET + "\"}");
        assertEquals("wrong shape: field phase at line 1 column 11 should be one of the values of Phase",
                read(Status.class, Recovery.UNSPECIFIED).problem());

        corrupt("{\"appliedAt\": \"" + SECRET + "\"}");
        assertTrue(read(Status.class, Recovery.UNSPECIFIED).problem().startsWith("wrong shape: field appliedAt at"
                + " line 1 column 15 should be a time (ISO-8601"));

        // Missing and null values are not errors: older files lack the fields newer records add.
        corrupt("{\"revision\": \"a\", \"paused\": null}");
        assertEquals(new Status("a", null, null, null, null, null, false).revision(),
                state.readJson("status.json", Status.class).orElseThrow().revision());
    }

    @Test
    void keysOfMapsAreNotQuotedEither() throws Exception {
        corrupt("{\"counts\": {\"" + SECRET + "\": \"many\"}}");
        assertEquals("wrong shape: field counts.* at line 1 column 29 should be a number",
                read(Status.class, Recovery.UNSPECIFIED).problem());
    }

    @Test
    void unknownFieldsAreCorruptionUnlessTheRecordToleratesThem() throws Exception {
        corrupt("{\"revision\": \"a\", \"" + SECRET + "\": 1}");
        assertEquals("a field at line 1 column 37 is not a field of Status (written by a newer nkd, or damaged)",
                read(Status.class, Recovery.UNSPECIFIED).problem());
        assertEquals(Optional.of(new Tolerant("a")), state.readJson("status.json", Tolerant.class));
    }

    @Test
    void valuesTheRecordRejectsAndNullDocumentsAreCorrupt() throws Exception {
        corrupt("{\"commit\": \"" + SECRET + "\"}");
        assertEquals("the values do not make a valid Revision (its constructor refused them), near line 1"
                + " column 26",
                read(Revision.class, Recovery.UNSPECIFIED).problem());
        corrupt("null");
        assertEquals("the document is JSON null, expected an object of type Status",
                read(Status.class, Recovery.UNSPECIFIED).problem());
        corrupt("{}\n{\"revision\": \"" + SECRET + "\"}");
        assertEquals("more content follows the JSON document, at line 2 column 1",
                read(Status.class, Recovery.UNSPECIFIED).problem());
        corrupt("{} " + SECRET);
        assertEquals("not valid JSON at line 1 column 11", read(Status.class, Recovery.UNSPECIFIED).problem());
    }

    @Test
    void writingATypeJacksonCannotSerialiseIsTheCallersBug() {
        Object notJson = new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                return this;
            }
        };
        assertThrows(IllegalArgumentException.class, () -> state.writeJson("x.json", notJson, Sensitivity.PUBLIC));
        assertFalse(state.exists("x.json"));
    }

    private void corrupt(String content) throws Exception {
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    private CorruptStateException read(Class<?> type, Recovery recovery) {
        CorruptStateException e = assertThrows(CorruptStateException.class,
                () -> store.view("demo").readJson("status.json", type, recovery));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        assertTrue(e.getMessage().startsWith("state file " + file + " is corrupt: "), e.getMessage());
        // The handle reports the same.
        assertEquals(e.getMessage(), assertThrows(CorruptStateException.class,
                () -> state.readJson("status.json", type, recovery)).getMessage());
        return e;
    }

    @Test
    void rawBytesAreNotJudged() {
        state.write("empty", new byte[0], Sensitivity.PUBLIC);
        assertEquals(0, state.read("empty").orElseThrow().length);
        state.write("text", utf8("x"), Sensitivity.PUBLIC);
    }
}
