package io.nkd.ignition.validate;

import io.nkd.ignition.spec.IgnitionVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static io.nkd.ignition.spec.IgnitionVersion.V3_2_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_3_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_6_0;
import static io.nkd.ignition.validate.ValidationTable.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Files, directories and links: paths, owners, modes, overwrite, links and systemd conflicts. */
class StorageRulesTest {

    static Stream<Arguments> rows() {
        return Stream.of(
                row("valid file", "{'storage':{'files':[{'path':'/etc/a','mode':420,'contents':{'source':'data:,x'}}]}}"),
                row("relative path", "{'storage':{'files':[{'path':'etc/a'}]}}",
                        "E ErrPathRelative $.storage.files.0.path"),
                row("empty path", "{'storage':{'directories':[{'path':''}]}}",
                        "E ErrNoPath $.storage.directories.0.path"),
                row("missing path", "{'storage':{'links':[{'target':'/x'}]}}",
                        "E ErrNoPath $.storage.links.0.path"),
                row("dot-dot path", "{'storage':{'files':[{'path':'/etc/../a'}]}}",
                        "E ErrDirtyPath $.storage.files.0.path"),
                row("trailing slash", "{'storage':{'directories':[{'path':'/etc/a/'}]}}",
                        "E ErrDirtyPath $.storage.directories.0.path"),
                row("double slash", "{'storage':{'files':[{'path':'/etc//a'}]}}",
                        "E ErrDirtyPath $.storage.files.0.path"),
                row("root directory is clean", "{'storage':{'directories':[{'path':'/'}]}}"),
                row("mode above 07777", "{'storage':{'files':[{'path':'/a','mode':4096}]}}",
                        "E ErrFileIllegalMode $.storage.files.0.mode"),
                row("negative mode", "{'storage':{'directories':[{'path':'/a','mode':-1}]}}",
                        "E ErrFileIllegalMode $.storage.directories.0.mode",
                        "W ErrModeSpecialBits $.storage.directories.0.mode"),
                row("setuid warns before 3.6", "{'storage':{'files':[{'path':'/a','mode':2541}]}}",
                        "W ErrModeSpecialBits $.storage.files.0.mode"),
                row("sticky dir warns before 3.6", "{'storage':{'directories':[{'path':'/tmp/x','mode':1023}]}}",
                        "W ErrModeSpecialBits $.storage.directories.0.mode"),
                row("setuid fine in 3.6", V3_6_0, "{'storage':{'files':[{'path':'/a','mode':2541}]}}"),
                row("overwrite without source", "{'storage':{'files':[{'path':'/a','overwrite':true}]}}",
                        "E ErrOverwriteAndNilSource $.storage.files.0.overwrite"),
                row("overwrite with empty source", "{'storage':{'files':[{'path':'/a','overwrite':true,'contents':{'source':''}}]}}"),
                row("overwrite false", "{'storage':{'files':[{'path':'/a','overwrite':false}]}}"),
                row("user id and name", "{'storage':{'files':[{'path':'/a','user':{'id':0,'name':'root'}}]}}",
                        "E ErrBothIDAndNameSet $.storage.files.0.user"),
                row("group id and name", "{'storage':{'directories':[{'path':'/a','group':{'id':0,'name':'root'}}]}}",
                        "E ErrBothIDAndNameSet $.storage.directories.0.group"),
                row("id with empty name", "{'storage':{'files':[{'path':'/a','user':{'id':0,'name':''}}]}}"),
                row("file below link", "{'storage':{'links':[{'path':'/a','target':'/b'}],'files':[{'path':'/a/f'}]}}",
                        "E ErrFileUsedSymlink $.storage.files.0"),
                row("directory below link", "{'storage':{'links':[{'path':'/a','target':'/b'}],'directories':[{'path':'/a/d/e'}]}}",
                        "E ErrDirectoryUsedSymlink $.storage.directories.0"),
                row("link below link", "{'storage':{'links':[{'path':'/a','target':'/b'},{'path':'/a/l','target':'/c'}]}}",
                        "E ErrLinkUsedSymlink $.storage.links.1"),
                row("sibling with common prefix is fine", "{'storage':{'links':[{'path':'/a','target':'/b'}],'files':[{'path':'/ab'}]}}"),
                row("link target required from 3.3", V3_3_0, "{'storage':{'links':[{'path':'/a'}]}}",
                        "E ErrLinkTargetRequired $.storage.links.0.target"),
                row("empty link target", "{'storage':{'links':[{'path':'/a','target':''}]}}",
                        "E ErrLinkTargetRequired $.storage.links.0.target"),
                row("link target optional in 3.2", V3_2_0, "{'storage':{'links':[{'path':'/a'}]}}"),
                row("hard link to directory", "{'storage':{'directories':[{'path':'/d'}],'links':[{'path':'/l','target':'/d','hard':true}]}}",
                        "E ErrHardLinkToDirectory $.storage.links.0"),
                row("relative hard link resolved against the link path",
                        "{'storage':{'directories':[{'path':'/l/d'}],'links':[{'path':'/l','target':'d','hard':true}]}}",
                        "E ErrHardLinkToDirectory $.storage.links.0", "E ErrDirectoryUsedSymlink $.storage.directories.0"),
                row("symlink to directory is fine", "{'storage':{'directories':[{'path':'/d'}],'links':[{'path':'/l','target':'/d'}]}}"),
                row("hard link owner ignored", "{'storage':{'links':[{'path':'/l','target':'/f','hard':true,'user':{'id':1},'group':{'name':'g'}}]}}",
                        "W ErrHardLinkSpecifiesOwner $.storage.links.0.user.id",
                        "W ErrHardLinkSpecifiesOwner $.storage.links.0.group.name"),
                row("file where a unit is written",
                        "{'systemd':{'units':[{'name':'a.service','contents':'[Service]'}]},'storage':{'files':[{'path':'/etc/systemd/system/a.service'}]}}",
                        "E ErrPathConflictsSystemd $.storage.files.0.path"),
                row("link where a dropin is written",
                        "{'systemd':{'units':[{'name':'a.service','dropins':[{'name':'x.conf','contents':'[Service]'}]}]},"
                                + "'storage':{'links':[{'path':'/etc/systemd/system/a.service.d/x.conf','target':'/x'}]}}",
                        "E ErrPathConflictsSystemd $.storage.links.0.path"),
                row("unit without contents leaves its path free",
                        "{'systemd':{'units':[{'name':'a.service','enabled':true}]},'storage':{'files':[{'path':'/etc/systemd/system/a.service'}]}}"),
                row("files, directories and links share one key space",
                        "{'storage':{'directories':[{'path':'/a'}],'files':[{'path':'/a'}],'links':[{'path':'/a','target':'/b'}]}}",
                        "E ErrDuplicate $.storage.files.0", "E ErrDuplicate $.storage.links.0"),
                row("duplicate file", "{'storage':{'files':[{'path':'/a'},{'path':'/b'},{'path':'/a'}]}}",
                        "E ErrDuplicate $.storage.files.2"),
                row("append entries may repeat", "{'storage':{'files':[{'path':'/a','append':[{'source':'data:,x'},{'source':'data:,x'}]}]}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void findings(String name, IgnitionVersion version, String config, Set<String> expected) {
        assertEquals(new java.util.TreeSet<>(expected),
                ValidationTable.findings(IgnitionValidator.validate(ValidationTable.config(version, config), version)));
    }
}
