package io.nkd.ignition.validate;

import io.nkd.ignition.spec.IgnitionVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.nkd.ignition.spec.IgnitionVersion.V3_2_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_3_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_5_0;
import static io.nkd.ignition.validate.ValidationTable.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Disks, partitions, RAID, filesystems and LUKS. */
class BlockDeviceRulesTest {

    private static String partitions(String list) {
        return "{'storage':{'disks':[{'device':'/dev/sda','partitions':" + list + "}]}}";
    }

    private static String fs(String body) {
        return "{'storage':{'filesystems':[{'device':'/dev/sdb'" + body + "}]}}";
    }

    private static String luks(String body) {
        return "{'storage':{'luks':[{'name':'data'" + body + "}]}}";
    }

    static Stream<Arguments> rows() {
        String tang = "'tang':[{'url':'https://t','thumbprint':'x'}]";
        return Stream.of(
                row("valid disk", partitions("[{'number':1,'label':'boot','sizeMiB':512,'typeGuid':'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'}]")),
                row("disk without device", "{'storage':{'disks':[{'partitions':[{'label':'a'}]}]}}",
                        "E ErrDiskDeviceRequired $.storage.disks.0.device"),
                row("relative disk device", "{'storage':{'disks':[{'device':'sda'}]}}",
                        "E ErrPathRelative $.storage.disks.0.device"),
                row("duplicate disks", "{'storage':{'disks':[{'device':'/dev/sda'},{'device':'/dev/sda'}]}}",
                        "E ErrDuplicate $.storage.disks.1"),
                row("partition needs number or label", partitions("[{'sizeMiB':10}]"),
                        "E ErrNeedLabelOrNumber $.storage.disks.0.partitions.0"),
                row("label too long", partitions("[{'label':'" + "x".repeat(37) + "'}]"),
                        "E ErrLabelTooLong $.storage.disks.0.partitions.0.label"),
                row("label of 36 bytes", partitions("[{'label':'" + "x".repeat(36) + "'}]")),
                row("label with colon", partitions("[{'label':'a:b'}]"),
                        "E ErrLabelContainsColon $.storage.disks.0.partitions.0.label"),
                row("bad GUIDs", partitions("[{'number':1,'guid':'xyz','typeGuid':'0FC63DAF-8483-4772-8E79-3D69D8477DE'}]"),
                        "E ErrDoesntMatchGUIDRegex $.storage.disks.0.partitions.0.guid",
                        "E ErrDoesntMatchGUIDRegex $.storage.disks.0.partitions.0.typeGuid"),
                row("empty GUID is allowed", partitions("[{'number':1,'guid':''}]")),
                row("colliding numbers", partitions("[{'number':1,'label':'a'},{'number':1,'label':'b'}]"),
                        "E ErrPartitionNumbersCollide $.storage.disks.0.partitions.1",
                        "E ErrDuplicate $.storage.disks.0.partitions.1"),
                row("overlapping partitions", partitions("[{'number':1,'startMiB':10,'sizeMiB':10},{'number':2,'startMiB':15,'sizeMiB':10}]"),
                        "E ErrPartitionsOverlap $.storage.disks.0.partitions.1"),
                row("adjacent partitions", partitions("[{'number':1,'startMiB':10,'sizeMiB':10},{'number':2,'startMiB':20,'sizeMiB':10}]")),
                row("start 0 is placed by sgdisk", partitions("[{'number':1,'startMiB':0,'sizeMiB':10},{'number':2,'startMiB':0,'sizeMiB':10}]")),
                row("shouldExist false with others", partitions("[{'number':1,'shouldExist':false,'label':'x'}]"),
                        "E ErrShouldNotExistWithOthers $.storage.disks.0.partitions.0"),
                row("zeroes with shouldExist false", partitions("[{'number':1,'shouldExist':false},{'label':'x'}]"),
                        "E ErrZeroesWithShouldNotExist $.storage.disks.0.partitions"),
                row("same label twice", partitions("[{'number':1,'label':'x'},{'number':2,'label':'x'}]"),
                        "E ErrDuplicateLabels $.storage.disks.0.partitions.1"),
                row("same label, no numbers", partitions("[{'label':'x'},{'label':'x'}]"),
                        "E ErrDuplicateLabels $.storage.disks.0.partitions.1", "E ErrDuplicate $.storage.disks.0.partitions.1"),
                row("valid raid", "{'storage':{'raid':[{'name':'md','level':'raid1','devices':['/dev/a','/dev/b'],'options':['-x','-x']}]}}"),
                row("unknown raid level", "{'storage':{'raid':[{'name':'md','level':'raid7','devices':['/dev/a']}]}}",
                        "E ErrUnrecognizedRaidLevel $.storage.raid.0.level"),
                row("raid level required from 3.3", V3_3_0, "{'storage':{'raid':[{'name':'md','devices':['/dev/a']}]}}",
                        "E ErrRaidLevelRequired $.storage.raid.0.level"),
                row("missing raid level in 3.2", V3_2_0, "{'storage':{'raid':[{'name':'md','devices':['/dev/a']}]}}",
                        "E ErrUnrecognizedRaidLevel $.storage.raid.0.level"),
                row("spares on raid0", "{'storage':{'raid':[{'name':'md','level':'stripe','spares':1,'devices':['/dev/a']}]}}",
                        "E ErrSparesUnsupportedForLevel $.storage.raid.0.level"),
                row("raid without devices", "{'storage':{'raid':[{'name':'md','level':'raid1'}]}}",
                        "E ErrRaidDevicesRequired $.storage.raid.0.devices"),
                row("raid device twice", "{'storage':{'raid':[{'name':'md','level':'raid1','devices':['/dev/a','/dev/a']}]}}",
                        "E ErrDuplicate $.storage.raid.0.devices.1"),
                row("valid filesystem", fs(",'format':'xfs','path':'/var','label':'var','options':['-m','-m'],'mountOptions':['a','a']")),
                row("unknown format", fs(",'format':'ntfs'"), "E ErrFilesystemInvalidFormat $.storage.filesystems.0.format"),
                row("format none from 3.3", V3_3_0, fs(",'format':'none'")),
                row("format none before 3.3", V3_2_0, fs(",'format':'none'"),
                        "E ErrFilesystemInvalidFormat $.storage.filesystems.0.format"),
                row("path without format", fs(",'path':'/var'"), "E ErrFormatNilWithOthers $.storage.filesystems.0.format"),
                row("label without format", fs(",'label':'x'"),
                        "E ErrFormatNilWithOthers $.storage.filesystems.0.format",
                        "E ErrLabelNeedsFormat $.storage.filesystems.0.label"),
                row("relative mount path", fs(",'format':'ext4','path':'var'"), "E ErrPathRelative $.storage.filesystems.0.path"),
                row("relative filesystem device", "{'storage':{'filesystems':[{'device':'sdb','format':'ext4'}]}}",
                        "E ErrPathRelative $.storage.filesystems.0.device"),
                row("ext4 label limit", fs(",'format':'ext4','label':'" + "x".repeat(17) + "'"),
                        "E ErrExt4LabelTooLong $.storage.filesystems.0.label"),
                row("xfs label limit", fs(",'format':'xfs','label':'" + "x".repeat(13) + "'"),
                        "E ErrXfsLabelTooLong $.storage.filesystems.0.label"),
                row("swap label limit", fs(",'format':'swap','label':'" + "x".repeat(16) + "'"),
                        "E ErrSwapLabelTooLong $.storage.filesystems.0.label"),
                row("vfat label limit", fs(",'format':'vfat','label':'" + "x".repeat(12) + "'"),
                        "E ErrVfatLabelTooLong $.storage.filesystems.0.label"),
                row("btrfs label limit", fs(",'format':'btrfs','label':'" + "x".repeat(257) + "'"),
                        "E ErrBtrfsLabelTooLong $.storage.filesystems.0.label"),
                row("filesystem over a partitioned disk",
                        "{'storage':{'disks':[{'device':'/dev/sdb','partitions':[{'label':'a'}]}],'filesystems':[{'device':'/dev/sdb','format':'ext4'}]}}",
                        "W ErrPartitionsOverwritten $.storage.filesystems.0.device"),
                row("filesystem on a wiped disk",
                        "{'storage':{'disks':[{'device':'/dev/sdb','wipeTable':true}],'filesystems':[{'device':'/dev/sdb','format':'ext4'}]}}",
                        "W ErrFilesystemImplicitWipe $.storage.filesystems.0.device"),
                row("duplicate filesystems", "{'storage':{'filesystems':[{'device':'/dev/a','format':'ext4'},{'device':'/dev/a','format':'xfs'}]}}",
                        "E ErrDuplicate $.storage.filesystems.1"),
                row("valid luks", luks(",'device':'/dev/sdb','label':'l','clevis':{" + tang + ",'tpm2':true,'threshold':1},'options':['-a','-a']")),
                row("luks name with slash", "{'storage':{'luks':[{'name':'a/b','device':'/dev/sdb'}]}}",
                        "E ErrLuksNameContainsSlash $.storage.luks.0.name"),
                row("luks label too long", luks(",'device':'/dev/sdb','label':'" + "x".repeat(48) + "'"),
                        "E ErrLuksLabelTooLong $.storage.luks.0.label"),
                row("luks without device", luks(""), "E ErrDiskDeviceRequired $.storage.luks.0.device"),
                row("custom clevis with tpm2", luks(",'device':'/dev/sdb','clevis':{'custom':{'pin':'tpm2','config':'{}'},'tpm2':true}"),
                        "E ErrClevisCustomWithOthers $.storage.luks.0.clevis"),
                row("unknown custom pin", luks(",'device':'/dev/sdb','clevis':{'custom':{'pin':'x','config':'{}'}}"),
                        "E ErrUnknownClevisPin $.storage.luks.0.clevis.custom.pin"),
                row("custom config without pin", luks(",'device':'/dev/sdb','clevis':{'custom':{'config':'{}'}}"),
                        "E ErrClevisPinRequired $.storage.luks.0.clevis.custom.pin"),
                row("custom pin without config", luks(",'device':'/dev/sdb','clevis':{'custom':{'pin':'sss'}}"),
                        "E ErrClevisConfigRequired $.storage.luks.0.clevis.custom.config"),
                row("3.2 empty custom object", V3_2_0, luks(",'device':'/dev/sdb','clevis':{'custom':{}}"),
                        "E ErrUnknownClevisPin $.storage.luks.0.clevis.custom.pin",
                        "E ErrClevisConfigRequired $.storage.luks.0.clevis.custom.config"),
                row("3.2 custom with threshold", V3_2_0,
                        luks(",'device':'/dev/sdb','clevis':{'custom':{'pin':'tpm2','config':'{}'},'threshold':2}"),
                        "E ErrClevisCustomWithOthers $.storage.luks.0.clevis"),
                row("tang needs http(s) and a thumbprint", luks(",'device':'/dev/sdb','clevis':{'tang':[{'url':'ftp://t'}]}"),
                        "E ErrInvalidScheme $.storage.luks.0.clevis.tang.0.url",
                        "E ErrTangThumbprintRequired $.storage.luks.0.clevis.tang.0.thumbprint"),
                row("bad tang advertisement", luks(",'device':'/dev/sdb','clevis':{'tang':[{'url':'http://t','thumbprint':'x','advertisement':'{'}]}"),
                        "E ErrInvalidTangAdvertisement $.storage.luks.0.clevis.tang.0.advertisement"),
                row("duplicate tang servers", luks(",'device':'/dev/sdb','clevis':{'tang':[{'url':'http://t','thumbprint':'x'},{'url':'http://t','thumbprint':'y'}]}"),
                        "E ErrDuplicate $.storage.luks.0.clevis.tang.1"),
                row("bad key file", luks(",'device':'/dev/sdb','keyFile':{'source':'ftp://k'}"),
                        "E ErrInvalidLuksKeyFile $.storage.luks.0.keys", "E ErrInvalidScheme $.storage.luks.0.keyFile.source"),
                row("cex", V3_5_0, luks(",'device':'/dev/sdb','cex':{'enabled':true}")),
                row("cex with clevis", V3_5_0, luks(",'device':'/dev/sdb','cex':{'enabled':true},'clevis':{'tpm2':true}"),
                        "E ErrCexWithClevis $.storage.luks.0.cex"),
                row("cex with key file", V3_5_0, luks(",'device':'/dev/sdb','cex':{'enabled':true},'keyFile':{'source':'data:,k'}"),
                        "E ErrCexWithKeyFile $.storage.luks.0.cex"),
                row("duplicate luks and open options", luks(",'device':'/dev/a','openOptions':['x','x']},{'name':'data','device':'/dev/b'"),
                        "E ErrDuplicate $.storage.luks.0.openOptions.1", "E ErrDuplicate $.storage.luks.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void findings(String name, IgnitionVersion version, String config, Set<String> expected) {
        assertEquals(new TreeSet<>(expected),
                ValidationTable.findings(IgnitionValidator.validate(ValidationTable.config(version, config), version)));
    }
}
