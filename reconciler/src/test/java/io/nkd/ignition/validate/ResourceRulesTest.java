package io.nkd.ignition.validate;

import io.nkd.ignition.spec.IgnitionVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.nkd.ignition.spec.IgnitionVersion.V3_0_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_1_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_2_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_3_0;
import static io.nkd.ignition.validate.ValidationTable.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ignition section and resources: version, URLs per spec version, hashes, headers, proxies. */
class ResourceRulesTest {
    private static final String SHA512 = "sha512-" + "a".repeat(128);
    private static final String SHA256 = "sha256-" + "b".repeat(64);

    private static String file(String contents) {
        return "{'storage':{'files':[{'path':'/f','contents':" + contents + "}]}}";
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("version of another spec", "{'ignition':{'version':'3.3.0'}}",
                        "E ErrUnknownVersion $.ignition.version"),
                row("experimental version", "{'ignition':{'version':'3.4.0-experimental'}}",
                        "E ErrUnknownVersion $.ignition.version"),
                row("unparseable version", "{'ignition':{'version':'3.4'}}", "E ErrInvalidVersion $.ignition.version"),
                row("missing version", "{'ignition':{}}", "E ErrInvalidVersion $.ignition.version"),
                row("missing ignition section", "{'ignition':null}", "E ErrInvalidVersion $.ignition.version"),
                row("http, https, tftp, s3 and data sources",
                        "{'storage':{'files':[{'path':'/a','contents':{'source':'http://x/a'}},{'path':'/b','contents':{'source':'HTTPS://x/b'}},"
                                + "{'path':'/c','contents':{'source':'tftp://x/c'}},{'path':'/d','contents':{'source':'s3://b/k?versionId=1'}},"
                                + "{'path':'/e','contents':{'source':'data:text/plain;charset=utf-8;base64,aGVsbG8='}}]}}"),
                row("unknown scheme", file("{'source':'ftp://x/a'}"), "E ErrInvalidScheme $.storage.files.0.contents.source"),
                row("no scheme", file("{'source':'/etc/hosts'}"), "E ErrInvalidScheme $.storage.files.0.contents.source"),
                row("gs before 3.2", V3_1_0, file("{'source':'gs://b/o'}"), "E ErrInvalidScheme $.storage.files.0.contents.source"),
                row("gs from 3.2", V3_2_0, file("{'source':'gs://b/o'}")),
                row("arn before 3.4", V3_3_0, file("{'source':'arn:aws:s3:us-east-1:123456789012:accesspoint/test/object/some/path'}"),
                        "E ErrInvalidScheme $.storage.files.0.contents.source"),
                row("arn access point", file("{'source':'arn:aws:s3:us-east-1:123456789012:accesspoint/test/object/some/path?versionId=abc'}")),
                row("arn bucket object", file("{'source':'arn:aws:s3:::bucket/key'}")),
                row("arn of another service", file("{'source':'arn:aws:iam::123456789012:role/x'}"),
                        "E ErrInvalidS3ARN $.storage.files.0.contents.source"),
                row("arn access point without object", file("{'source':'arn:aws:s3:us-east-1:123456789012:accesspoint/test'}"),
                        "E ErrInvalidS3ARN $.storage.files.0.contents.source"),
                row("empty S3 versionId", file("{'source':'s3://b/k?versionId='}"),
                        "E ErrInvalidS3ObjectVersionId $.storage.files.0.contents.source"),
                row("unparseable URL", file("{'source':'http://[::1]a/x'}"), "E ErrInvalidUrl $.storage.files.0.contents.source"),
                row("bad escape in URL", file("{'source':'http://x/%zz'}"), "E ErrInvalidUrl $.storage.files.0.contents.source"),
                row("data URL with a space", file("{'source':'data:,hello world'}"), "E InvalidDataUrl $.storage.files.0.contents.source"),
                row("data URL with unpadded base64", file("{'source':'data:;base64,aGk'}"), "E InvalidDataUrl $.storage.files.0.contents.source"),
                row("data URL without comma", file("{'source':'data:text/plain'}"), "E InvalidDataUrl $.storage.files.0.contents.source"),
                row("data URL with bad escape", file("{'source':'data:,100%'}"), "E InvalidDataUrl $.storage.files.0.contents.source"),
                row("empty data URL", file("{'source':'data:,'}")),
                row("empty source means an empty file", file("{'source':''}")),
                row("bad compression", file("{'source':'data:,x','compression':'bzip2'}"),
                        "E ErrCompressionInvalid $.storage.files.0.contents.compression"),
                row("empty compression", file("{'source':'data:,x','compression':''}")),
                row("sha512 and sha256", file("{'source':'http://x','verification':{'hash':'" + SHA512 + "'}}")),
                row("sha256 from 3.1", V3_1_0, file("{'source':'http://x','verification':{'hash':'" + SHA256 + "'}}")),
                row("sha256 unknown in 3.0", V3_0_0, file("{'source':'http://x','verification':{'hash':'" + SHA256 + "'}}"),
                        "E ErrHashUnrecognized $.storage.files.0.contents.verification.hash"),
                row("hash without function", file("{'source':'http://x','verification':{'hash':'abc'}}"),
                        "E ErrHashMalformed $.storage.files.0.contents.verification.hash"),
                row("unknown hash function", file("{'source':'http://x','verification':{'hash':'md5-abc'}}"),
                        "E ErrHashUnrecognized $.storage.files.0.contents.verification.hash"),
                row("short hash", file("{'source':'http://x','verification':{'hash':'sha512-abc'}}"),
                        "E ErrHashWrongSize $.storage.files.0.contents.verification.hash"),
                row("hash without source", file("{'verification':{'hash':'" + SHA512 + "'}}"),
                        "E ErrVerificationAndNilSource $.storage.files.0.contents.verification.hash"),
                row("headers on http", file("{'source':'https://x','httpHeaders':[{'name':'A','value':'1'}]}")),
                row("headers on data", file("{'source':'data:,x','httpHeaders':[{'name':'A','value':'1'}]}"),
                        "E ErrUnsupportedSchemeForHTTPHeaders $.storage.files.0.contents.httpHeaders"),
                row("headers without source", file("{'httpHeaders':[{'name':'A','value':'1'}]}"),
                        "E ErrInvalidUrl $.storage.files.0.contents.httpHeaders"),
                row("header without name", file("{'source':'http://x','httpHeaders':[{'value':'1'}]}"),
                        "E ErrEmptyHTTPHeaderName $.storage.files.0.contents.httpHeaders.0.name"),
                row("header with empty value", file("{'source':'http://x','httpHeaders':[{'name':'A','value':''}]}"),
                        "E ErrInvalidHTTPHeader $.storage.files.0.contents.httpHeaders.0.value"),
                row("duplicate header", file("{'source':'http://x','httpHeaders':[{'name':'A','value':'1'},{'name':'A','value':'2'}]}"),
                        "E ErrDuplicate $.storage.files.0.contents.httpHeaders.1"),
                row("append resources are checked", "{'storage':{'files':[{'path':'/f','append':[{'source':'ftp://x'}]}]}}",
                        "E ErrInvalidScheme $.storage.files.0.append.0.source"),
                row("merge needs a source", "{'ignition':{'version':'3.4.0','config':{'merge':[{'compression':'gzip'}]}}}",
                        "E ErrSourceRequired $.ignition.config.merge.0"),
                row("merge source checked twice, as Ignition does",
                        "{'ignition':{'version':'3.4.0','config':{'merge':[{'source':'ftp://x'}]}}}",
                        "E ErrInvalidScheme $.ignition.config.merge.0", "E ErrInvalidScheme $.ignition.config.merge.0.source"),
                row("3.0 merge without source", V3_0_0, "{'ignition':{'version':'3.0.0','config':{'merge':[{}]}}}"),
                row("duplicate merge sources",
                        "{'ignition':{'version':'3.4.0','config':{'merge':[{'source':'http://a'},{'source':'http://a'}]}}}",
                        "E ErrDuplicate $.ignition.config.merge.1"),
                row("replace resource checked", "{'ignition':{'version':'3.4.0','config':{'replace':{'source':'ftp://x'}}}}",
                        "E ErrInvalidScheme $.ignition.config.replace.source"),
                row("CA needs a source",
                        "{'ignition':{'version':'3.4.0','security':{'tls':{'certificateAuthorities':[{}]}}}}",
                        "E ErrSourceRequired $.ignition.security.tls.certificateAuthorities.0"),
                row("duplicate CAs",
                        "{'ignition':{'version':'3.4.0','security':{'tls':{'certificateAuthorities':[{'source':'http://a'},{'source':'http://a'}]}}}}",
                        "E ErrDuplicate $.ignition.security.tls.certificateAuthorities.1"),
                row("proxies", "{'ignition':{'version':'3.4.0','proxy':{'httpProxy':'http://p:3128','httpsProxy':'https://p'}}}"),
                row("plain-http proxy for https",
                        "{'ignition':{'version':'3.4.0','proxy':{'httpsProxy':'http://p'}}}",
                        "W ErrInsecureProxy $.ignition.proxy.httpsProxy"),
                row("ftp proxy", "{'ignition':{'version':'3.4.0','proxy':{'httpProxy':'ftp://p'}}}",
                        "E ErrInvalidProxy $.ignition.proxy.httpProxy"),
                row("unparseable proxy", "{'ignition':{'version':'3.4.0','proxy':{'httpProxy':'http://[::1]a'}}}",
                        "E ErrInvalidUrl $.ignition.proxy.httpProxy"),
                row("duplicate noProxy", "{'ignition':{'version':'3.4.0','proxy':{'noProxy':['a','b','a']}}}",
                        "E ErrDuplicate $.ignition.proxy.noProxy.2"),
                row("timeouts are not range-checked by Ignition",
                        "{'ignition':{'version':'3.4.0','timeouts':{'httpTotal':-1,'httpResponseHeaders':0}}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void findings(String name, IgnitionVersion version, String config, Set<String> expected) {
        assertEquals(new TreeSet<>(expected),
                ValidationTable.findings(IgnitionValidator.validate(ValidationTable.config(version, config), version)));
    }
}
