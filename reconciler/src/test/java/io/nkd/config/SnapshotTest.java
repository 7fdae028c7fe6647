package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnapshotTest {
    /** Status, history, logs and plans all print revisions through this one rule. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "0123456789abcdef0123456789abcdef01234567|0123456789ab",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef|0123456789ab",
            "working tree|working tree",
            "0123456789ABCDEF0123456789ABCDEF01234567|0123456789ABCDEF0123456789ABCDEF01234567",
            "0123456789abcdef|0123456789abcdef",
            "null|-"})
    void shortIdShortensFullCommitIdsOnly(String revision, String shown) {
        assertEquals(shown, Snapshot.shortId(revision));
    }
}
