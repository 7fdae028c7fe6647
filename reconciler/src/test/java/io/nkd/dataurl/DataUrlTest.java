package io.nkd.dataurl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Data URLs as Ignition's decoder (github.com/vincent-petithory/dataurl) reads them, with its error texts. */
class DataUrlTest {
    @ParameterizedTest
    @ValueSource(strings = {"data:,", "data:,hello%20world", "data:;base64,aGVsbG8=", "data:text/plain,x",
            "data:text/plain;charset=utf-8;base64,aGk=", "data:application/json;a=\"q\\\"t\",x",
            "data:x-custom/y,z", "data:image/svg+xml,%3Csvg%3E"})
    void dataUrlsThatDecode(String url) {
        assertEquals(Optional.empty(), DataUrl.decodeError(url));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "data:text|missing media type slash", "data:foo/bar,x|invalid media type", "data:,a b|invalid data character",
            "data:;base64,aGk|illegal base64 data at input byte 0", "data:;bas,x|expected base64, got bas",
            "data:,100%|rfc2396: unexpected end of unescape sequence", "data:text/plain|incomplete media type",
            "data:;a=b|missing comma before data", "http:,x|missing data prefix",
            "data:,%zz|rfc2396: invalid char 0x25 in unescape sequence"})
    void dataUrlErrors(String url, String error) {
        assertEquals(Optional.of(error), DataUrl.decodeError(url));
        assertEquals(error, assertThrows(DataUrl.MalformedException.class, () -> DataUrl.decode(url)).getMessage());
    }

    /** Go's base64 decoder would skip a line break, but the lexer before it refuses one. */
    @Test
    void aLineBreakInBase64IsRefused() {
        assertEquals(Optional.of("invalid data character"), DataUrl.decodeError("data:;base64,aGk\nbw=="));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "data:,|''", "data:,hello%20world|hello world", "data:;base64,aGVsbG8=|hello",
            "data:text/plain;charset=utf-8;base64,aGk=|hi", "data:text/plain;a=%41,x%2Cy|x,y", "data:,%e2%82%AC|€"})
    void decodesToTheBytesIgnitionWrites(String url, String text) throws Exception {
        assertEquals(text, new String(DataUrl.decode(url), StandardCharsets.UTF_8));
    }

    @Test
    void everyByteSurvivesEscapingAndDecoding() throws Exception {
        byte[] all = new byte[256 * 3];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        assertArrayEquals(all, DataUrl.decode("data:," + DataUrl.escape(all)));
        assertEquals("a-b_c.d!e~f*g'h(i)j%20%2C%0A%FF", DataUrl.escape("a-b_c.d!e~f*g'h(i)j ,\n".getBytes(StandardCharsets.UTF_8))
                + DataUrl.escape(new byte[] {(byte) 0xff}));
    }

    @Test
    void gzipIsUndoneWithinTheLimitOnly() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("z".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("z".repeat(1000), new String(DataUrl.gunzip(gz.toByteArray(), 1000).orElseThrow(), StandardCharsets.US_ASCII));
        assertTrue(DataUrl.gunzip(gz.toByteArray(), 999).isEmpty(), "one byte over the limit is refused");
        assertTrue(DataUrl.gunzip("not gzip".getBytes(StandardCharsets.US_ASCII), 1000).isEmpty());
    }
}
