package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nkd.testsupport.JsonCompare;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class DataUrlsTest {
    @Test
    void shortTextIsPercentEncodedWithUnreservedCharactersKept() {
        var e = DataUrls.encode("Hello, world! (a-b_c.d~e*f'g)\n", null, true);
        assertEquals("data:,Hello%2C%20world!%20(a-b_c.d~e*f'g)%0A", e.url());
        assertEquals("", e.compression(), "butane writes an empty compression so a parent's cannot leak in");
    }

    @Test
    void binaryDataIsBase64WhenShorter() {
        byte[] data = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 3, 4, 5, 6};
        var e = DataUrls.encode(data, null, true);
        assertEquals("data:;base64,AAEC//4DBAUG", e.url());
    }

    @Test
    void compressibleTextIsGzippedFromButanesThreshold() throws Exception {
        assertEquals("", DataUrls.encode("z".repeat(47), null, true).compression());
        var e = DataUrls.encode("z".repeat(48), null, true);
        assertEquals("gzip", e.compression());
        byte[] gz = JsonCompare.decodeDataUrl(e.url());
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals("z".repeat(48).getBytes(StandardCharsets.UTF_8), in.readAllBytes());
        }
    }

    @Test
    void userDeclaredCompressionIsKeptAndBytesAreNotCompressedAgain() {
        var e = DataUrls.encode("hello", "gzip", true);
        assertEquals("data:,hello", e.url());
        assertEquals("gzip", e.compression());
    }

    @Test
    void fcos100NeverCompressesNorWritesCompression() {
        var e = DataUrls.encode("z".repeat(500), null, false);
        assertEquals("data:," + "z".repeat(500), e.url());
        assertNull(e.compression());
    }
}
