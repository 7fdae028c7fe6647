package io.nkd.ignition.validate;

import com.fasterxml.jackson.databind.node.NullNode;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.nkd.ignition.validate.ValidationTable.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Systemd units and dropins, passwd, kernel arguments, messages and robustness. */
class SystemdPasswdRulesTest {
    private static final String INSTALLED = "[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n";

    private static String unit(String body) {
        return "{'systemd':{'units':[{'name':'a.service'" + body + "}]}}";
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("valid enabled unit", unit(",'enabled':true,'contents':'" + INSTALLED + "'")),
                row("unknown unit suffix", "{'systemd':{'units':[{'name':'a.serv'}]}}",
                        "E ErrInvalidSystemdExt $.systemd.units.0.name"),
                row("no unit suffix", "{'systemd':{'units':[{'name':'sshd'}]}}", "E ErrInvalidSystemdExt $.systemd.units.0.name"),
                row("template unit", "{'systemd':{'units':[{'name':'getty@.service','mask':true}]}}"),
                row("enabled without [Install]", unit(",'enabled':true,'contents':'[Service]\\nExecStart=/bin/true\\n'"),
                        "W NoInstallSection $.systemd.units.0.contents"),
                row("empty [Install] section has no options", unit(",'enabled':true,'contents':'[Service]\\nType=oneshot\\n[Install]\\n'"),
                        "W NoInstallSection $.systemd.units.0.contents"),
                row("disabled unit needs no [Install]", unit(",'enabled':false,'contents':'[Service]\\nExecStart=/bin/true\\n'")),
                row("enabled unit without contents", unit(",'enabled':true")),
                row("unterminated section", unit(",'contents':'[Service\\nExecStart=/bin/true\\n'"),
                        "E InvalidUnitContents $.systemd.units.0.contents"),
                row("garbage after section", unit(",'contents':'[Service] x\\n'"),
                        "E InvalidUnitContents $.systemd.units.0.contents"),
                row("option without =", unit(",'contents':'[Service]\\nExecStart\\n'"),
                        "E InvalidUnitContents $.systemd.units.0.contents"),
                row("option cut off at the end", unit(",'contents':'[Service]\\nExecStart'"),
                        "E InvalidUnitContents $.systemd.units.0.contents"),
                row("continuations and comments",
                        unit(",'enabled':true,'contents':'# c\\n; c \\\\\\n still comment\\n[Service]\\nExecStart=/bin/a \\\\\\n  --flag\\n\\n[Install]\\nWantedBy=x\\n'")),
                row("line too long", unit(",'contents':'[Service]\\nEnvironment=" + "x".repeat(2100) + "\\n'"),
                        "E InvalidUnitContents $.systemd.units.0.contents"),
                row("bad dropin", unit(",'dropins':[{'name':'10-a.txt','contents':'[Service'}]"),
                        "E ErrInvalidSystemdDropinExt $.systemd.units.0.dropins.0.name",
                        "E InvalidUnitContents $.systemd.units.0.dropins.0.contents"),
                row("duplicate units", "{'systemd':{'units':[{'name':'a.service'},{'name':'a.service','mask':true}]}}",
                        "E ErrDuplicate $.systemd.units.1"),
                row("duplicate dropins", unit(",'dropins':[{'name':'a.conf'},{'name':'a.conf'}]"),
                        "E ErrDuplicate $.systemd.units.0.dropins.1"),
                row("passwd", "{'passwd':{'users':[{'name':'core','sshAuthorizedKeys':['k1','k2'],'groups':['wheel']}],'groups':[{'name':'g'}]}}"),
                row("duplicate users and groups",
                        "{'passwd':{'users':[{'name':'a'},{'name':'a'}],'groups':[{'name':'g'},{'name':'g'}]}}",
                        "E ErrDuplicate $.passwd.users.1", "E ErrDuplicate $.passwd.groups.1"),
                row("duplicate ssh keys and supplementary groups",
                        "{'passwd':{'users':[{'name':'a','sshAuthorizedKeys':['k','k'],'groups':['g','g']}]}}",
                        "E ErrDuplicate $.passwd.users.0.sshAuthorizedKeys.1", "E ErrDuplicate $.passwd.users.0.groups.1"),
                row("kernel argument in both lists", "{'kernelArguments':{'shouldExist':['a','b'],'shouldNotExist':['c','a']}}",
                        "E ErrDuplicate $.kernelArguments.shouldNotExist.1"),
                row("kernel argument twice", "{'kernelArguments':{'shouldExist':['a','a']}}",
                        "E ErrDuplicate $.kernelArguments.shouldExist.1"),
                row("wrong JSON types are skipped, not reported",
                        "{'storage':{'files':'x','directories':[42,{'path':7,'mode':'x'}],'disks':[1,{'device':3,'partitions':'y'}],"
                                + "'filesystems':[{'device':['x'],'format':5}],'raid':[{'name':1,'level':2,'devices':[3]}],"
                                + "'luks':[{'name':4,'device':'/dev/x','clevis':{'tang':[{'url':5,'thumbprint':'t'}]}}]},"
                                + "'systemd':{'units':[{'name':1,'contents':5,'enabled':'yes','dropins':[{'name':2}]}]},"
                                + "'passwd':{'users':[{'name':1},{'name':1}]},'kernelArguments':{'shouldExist':[1,1]}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void findings(String name, IgnitionVersion version, String config, Set<String> expected) {
        assertEquals(new TreeSet<>(expected),
                ValidationTable.findings(IgnitionValidator.validate(ValidationTable.config(version, config), version)));
    }

    @Test
    void installWarningUsesIgnitionsWording() {
        Report report = IgnitionValidator.validate(ValidationTable.config(IgnitionVersion.V3_4_0,
                unit(",'enabled':true,'contents':'[Service]\\nExecStart=/bin/true\\n'")), IgnitionVersion.V3_4_0);
        assertEquals(List.of(new Entry(Severity.WARNING, "NoInstallSection", FieldPath.parse("$.systemd.units.0.contents"), null,
                "unit \"a.service\" is enabled, but has no install section so enable does nothing")), report.entries());
    }

    @Test
    void errorsUseIgnitionsWordingAndButanesFormat() {
        Report report = IgnitionValidator.validate(ValidationTable.config(IgnitionVersion.V3_4_0,
                "{'storage':{'files':[{'path':'etc/a'},{'path':'/b'},{'path':'/b'}],'disks':[{'device':'/dev/a','partitions':[{}]}]}}"),
                IgnitionVersion.V3_4_0);
        assertEquals(Set.of(
                        "error at $.storage.files.0.path: path not absolute",
                        "error at $.storage.files.2: duplicate entry defined",
                        "error at $.storage.disks.0.partitions.0: a partition number >= 1 or a label must be specified"),
                Set.copyOf(report.entries().stream().map(Entry::toString).toList()));
    }

    @Test
    void unitContentErrorsQuoteGoSystemd() {
        Report report = IgnitionValidator.validate(ValidationTable.config(IgnitionVersion.V3_4_0,
                unit(",'contents':'[Service]\\nExecStart\\n'")), IgnitionVersion.V3_4_0);
        assertEquals("invalid unit content: unexpected newline encountered while parsing option name",
                report.entries().get(0).message());
    }

    @Test
    void nullOrNonObjectConfigOnlyLacksAVersion() {
        for (var config : List.of(NullNode.getInstance(), ValidationTable.config(IgnitionVersion.V3_4_0, "[1,2]"))) {
            assertEquals(Set.of("E ErrInvalidVersion $.ignition.version"),
                    ValidationTable.findings(IgnitionValidator.validate(config, IgnitionVersion.V3_4_0)));
        }
    }
}
