package io.nkd.ignition.validate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Go library behaviour Ignition's rules rely on: path.Clean, url.Parse, go-systemd (dataurl: DataUrlTest). */
class GoSemanticsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|.", "abc|abc", "abc/def|abc/def", "a/b/c|a/b/c", ".|.", "..|..", "../..|../..", "../../abc|../../abc",
            "/abc|/abc", "/|/", "abc/|abc", "abc/def/|abc/def", "a/b/c/|a/b/c", "./|.", "../|..", "/abc/|/abc",
            "abc//def//ghi|abc/def/ghi", "//abc|/abc", "///abc|/abc", "//abc//|/abc", "abc//|abc",
            "abc/./def|abc/def", "/./abc/def|/abc/def", "abc/.|abc", "abc/def/ghi/../jkl|abc/def/jkl",
            "abc/def/../ghi/../jkl|abc/jkl", "abc/def/..|abc", "abc/def/../..|.", "/abc/def/../..|/",
            "abc/def/../../..|..", "/abc/def/../../..|/", "abc/def/../../../ghi/jkl/../../../mno|../../mno",
            "abc/./../def|def", "abc//./../def|def", "abc/../../././../def|../../def"})
    void cleanMatchesGo(String in, String out) {
        assertEquals(out, UnixPaths.clean(in));
    }

    @Test
    void extAndJoin() {
        assertEquals(".service", UnixPaths.ext("/a.b/x.service"));
        assertEquals("", UnixPaths.ext("a.b/x"));
        assertEquals("/l/d", UnixPaths.join("/l", "d"));
        assertEquals("/x", UnixPaths.join("/l", "../x"));
        assertEquals("", UnixPaths.join("", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com/a b", "https://u:p@example.com:8080/x?y=1#z", "data:,a b",
            "s3://bucket/key", "tftp://1.2.3.4/f", "HTTP://EXAMPLE.COM", "http://[::1]:80/", "relative/path", "/abs", ""})
    void goAcceptsTheseUrls(String url) {
        assertTrue(GoUrl.parse(url).isPresent(), url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://[::1]a", "http://x:8o/", "http://x/%zz", "http://x/%4", ":foo", "1:b/c",
            "http://a b/", "http://x/\u0001", "http://x/#%zz", "http://[::1/"})
    void goRejectsTheseUrls(String url) {
        assertFalse(GoUrl.parse(url).isPresent(), url);
    }

    @Test
    void schemesAreLowercasedAndQueriesParsed() {
        GoUrl url = GoUrl.parse("S3://bucket/key?versionId=abc&x=%41+b&bad=%zz;&versionId=").orElseThrow();
        assertEquals("s3", url.scheme());
        Map<String, List<String>> query = url.query();
        assertEquals(List.of("abc", ""), query.get("versionId"));
        assertEquals(List.of("A b"), query.get("x"));
        assertFalse(query.containsKey("bad"));
        assertEquals("aws:s3:::b/k", GoUrl.parse("arn:aws:s3:::b/k?versionId=1").orElseThrow().opaque());
    }

    @Test
    void unitFileOptionsAndSections() {
        UnitFile unit = UnitFile.parse("junk before\n[Unit]\nDescription=a \\\n b\n# x\n[Install]\r\nWantedBy=m\n");
        assertEquals(Optional.empty(), unit.error());
        assertEquals(List.of("Unit", "Install"), unit.optionSections());
        assertTrue(unit.hasOptionIn("Install"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[Unit|unable to find end of section", "[Unit]x|found garbage after section name : \"x\"",
            "[Unit]\\nA\\nB=c|unexpected newline encountered while parsing option name", "[Unit]\\nA|EOF"})
    void unitFileErrors(String contents, String error) {
        assertEquals(Optional.of(error), UnitFile.parse(contents.replace("\\n", "\n")).error());
    }

    @Test
    void unitFileLinesAreLimited() {
        assertEquals(Optional.of("line too long (max 2048 bytes)"),
                UnitFile.parse("[Unit]\nA=" + "x".repeat(2050)).error());
        assertEquals(Optional.empty(), UnitFile.parse("[Unit]\nA=" + "x".repeat(2000) + "\n").error());
    }
}
