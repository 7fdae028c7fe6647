package io.nkd.ignition.spec;

import static io.nkd.ignition.spec.IgnitionVersion.V3_0_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_1_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_2_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_3_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_4_0;
import static io.nkd.ignition.spec.IgnitionVersion.V3_5_0;
import static io.nkd.ignition.spec.FieldType.Scalar.BOOL;
import static io.nkd.ignition.spec.FieldType.Scalar.INT;
import static io.nkd.ignition.spec.FieldType.Scalar.STRING;

import io.nkd.ignition.spec.FieldType.ListOf;

/**
 * The Ignition 3.0–3.6 object model as data, plus the Butane {@code fcos} sugar fields, in one tree.
 * Each field says when it appeared; the translator, the parser and the tests read version differences
 * from here instead of keeping a copy of the model per spec version.
 */
public final class IgnitionSpec {
    private IgnitionSpec() {
    }

    public static final ObjectType CONFIG = new ObjectType("Config");

    // Leaf and shared types first: fields refer to them.
    static final ObjectType VERIFICATION = new ObjectType("Verification");
    static final ObjectType HTTP_HEADER = new ObjectType("HTTPHeader");
    /** Resource of config merge/replace and CAs: compression and headers appeared in 3.1. */
    public static final ObjectType RESOURCE = new ObjectType("Resource");
    /** Resource of file contents and appends: compression existed from 3.0. */
    public static final ObjectType FILE_RESOURCE = new ObjectType("FileResource");
    static final ObjectType IGNITION = new ObjectType("Ignition");
    static final ObjectType IGNITION_CONFIG = new ObjectType("IgnitionConfig");
    static final ObjectType PROXY = new ObjectType("Proxy");
    static final ObjectType SECURITY = new ObjectType("Security");
    static final ObjectType TLS = new ObjectType("TLS");
    static final ObjectType TIMEOUTS = new ObjectType("Timeouts");
    static final ObjectType KERNEL_ARGUMENTS = new ObjectType("KernelArguments");
    static final ObjectType PASSWD = new ObjectType("Passwd");
    static final ObjectType USER = new ObjectType("PasswdUser");
    static final ObjectType GROUP = new ObjectType("PasswdGroup");
    static final ObjectType STORAGE = new ObjectType("Storage");
    static final ObjectType DISK = new ObjectType("Disk");
    static final ObjectType PARTITION = new ObjectType("Partition");
    static final ObjectType FILESYSTEM = new ObjectType("Filesystem");
    static final ObjectType NODE_USER = new ObjectType("NodeUser");
    static final ObjectType NODE_GROUP = new ObjectType("NodeGroup");
    static final ObjectType FILE = new ObjectType("File");
    static final ObjectType DIRECTORY = new ObjectType("Directory");
    static final ObjectType LINK = new ObjectType("Link");
    static final ObjectType LUKS = new ObjectType("Luks");
    static final ObjectType CLEVIS = new ObjectType("Clevis");
    static final ObjectType CLEVIS_CUSTOM = new ObjectType("ClevisCustom");
    static final ObjectType TANG = new ObjectType("Tang");
    static final ObjectType CEX = new ObjectType("Cex");
    static final ObjectType RAID = new ObjectType("Raid");
    static final ObjectType SYSTEMD = new ObjectType("Systemd");
    static final ObjectType UNIT = new ObjectType("Unit");
    static final ObjectType DROPIN = new ObjectType("Dropin");
    // Butane-only types
    static final ObjectType TREE = new ObjectType("Tree");
    static final ObjectType BOOT_DEVICE = new ObjectType("BootDevice");
    static final ObjectType BOOT_DEVICE_LUKS = new ObjectType("BootDeviceLuks");
    static final ObjectType BOOT_DEVICE_MIRROR = new ObjectType("BootDeviceMirror");
    static final ObjectType GRUB = new ObjectType("Grub");
    static final ObjectType GRUB_USER = new ObjectType("GrubUser");

    private static final ButaneVersion B10 = ButaneVersion.FCOS_1_0_0;
    private static final ButaneVersion B11 = ButaneVersion.FCOS_1_1_0;
    private static final ButaneVersion B13 = ButaneVersion.FCOS_1_3_0;
    private static final ButaneVersion B15 = ButaneVersion.FCOS_1_5_0;
    private static final ButaneVersion B16 = ButaneVersion.FCOS_1_6_0;
    private static final ButaneVersion B17 = ButaneVersion.FCOS_1_7_0;

    static {
        on(CONFIG)
                .f("ignition", IGNITION)
                .f("kernelArguments", KERNEL_ARGUMENTS, V3_3_0)
                .f("passwd", PASSWD)
                .f("storage", STORAGE)
                .f("systemd", SYSTEMD)
                .sugar("boot_device", BOOT_DEVICE, B13)
                .sugar("grub", GRUB, B15);

        on(IGNITION)
                .f("config", IGNITION_CONFIG)
                .f("proxy", PROXY, V3_1_0)
                .f("security", SECURITY)
                .f("timeouts", TIMEOUTS)
                .always("version", STRING);
        on(IGNITION_CONFIG).f("merge", new ListOf(RESOURCE)).f("replace", RESOURCE);
        on(PROXY).f("httpProxy", STRING).f("httpsProxy", STRING).f("noProxy", new ListOf(STRING));
        on(SECURITY).f("tls", TLS);
        on(TLS).f("certificateAuthorities", new ListOf(RESOURCE));
        on(TIMEOUTS).f("httpResponseHeaders", INT).f("httpTotal", INT);

        on(VERIFICATION).f("hash", STRING);
        on(HTTP_HEADER).always("name", STRING).f("value", STRING);
        on(RESOURCE)
                .f("compression", STRING, V3_1_0)
                .f("httpHeaders", new ListOf(HTTP_HEADER), V3_1_0)
                .f("source", STRING)
                .f("verification", VERIFICATION)
                .sugar("inline", STRING, B11)
                .sugar("local", STRING, B11);
        on(FILE_RESOURCE)
                .f("compression", STRING)
                .f("httpHeaders", new ListOf(HTTP_HEADER), V3_1_0)
                .f("source", STRING)
                .f("verification", VERIFICATION)
                .sugar("inline", STRING, B10)
                .sugar("local", STRING, B11);

        on(KERNEL_ARGUMENTS).f("shouldExist", new ListOf(STRING)).f("shouldNotExist", new ListOf(STRING));

        on(PASSWD).f("groups", new ListOf(GROUP)).f("users", new ListOf(USER));
        on(USER)
                .f("gecos", STRING)
                .f("groups", new ListOf(STRING))
                .f("homeDir", STRING)
                .always("name", STRING)
                .f("noCreateHome", BOOL)
                .f("noLogInit", BOOL)
                .f("noUserGroup", BOOL)
                .f("passwordHash", STRING)
                .f("primaryGroup", STRING)
                .f("shell", STRING)
                .f("shouldExist", BOOL, V3_2_0)
                .f("sshAuthorizedKeys", new ListOf(STRING))
                .f("system", BOOL)
                .f("uid", INT)
                .sugar("ssh_authorized_keys_local", new ListOf(STRING), B15);
        on(GROUP)
                .f("gid", INT)
                .always("name", STRING)
                .f("passwordHash", STRING)
                .f("shouldExist", BOOL, V3_2_0)
                .f("system", BOOL);

        on(STORAGE)
                .f("directories", new ListOf(DIRECTORY))
                .f("disks", new ListOf(DISK))
                .f("files", new ListOf(FILE))
                .f("filesystems", new ListOf(FILESYSTEM))
                .f("links", new ListOf(LINK))
                .f("luks", new ListOf(LUKS), V3_2_0)
                .f("raid", new ListOf(RAID))
                .sugar("trees", new ListOf(TREE), B11);
        on(DISK).always("device", STRING).f("partitions", new ListOf(PARTITION)).f("wipeTable", BOOL);
        on(PARTITION)
                .f("guid", STRING)
                .f("label", STRING)
                .f("number", INT)
                .f("resize", BOOL, V3_2_0)
                .f("shouldExist", BOOL)
                .f("sizeMiB", INT)
                .f("startMiB", INT)
                .f("typeGuid", STRING)
                .f("wipePartitionEntry", BOOL);
        on(FILESYSTEM)
                .always("device", STRING)
                .f("format", STRING)
                .f("label", STRING)
                .f("mountOptions", new ListOf(STRING), V3_1_0)
                .f("options", new ListOf(STRING))
                .f("path", STRING)
                .f("uuid", STRING)
                .f("wipeFilesystem", BOOL)
                .sugar("with_mount_unit", BOOL, B11);
        on(NODE_USER).f("id", INT).f("name", STRING);
        on(NODE_GROUP).f("id", INT).f("name", STRING);
        on(FILE)
                .f("group", NODE_GROUP)
                .f("overwrite", BOOL)
                .always("path", STRING)
                .f("user", NODE_USER)
                .f("append", new ListOf(FILE_RESOURCE))
                .f("contents", FILE_RESOURCE)
                .f("mode", INT);
        on(DIRECTORY)
                .f("group", NODE_GROUP)
                .f("overwrite", BOOL)
                .always("path", STRING)
                .f("user", NODE_USER)
                .f("mode", INT);
        on(LINK)
                .f("group", NODE_GROUP)
                .f("overwrite", BOOL)
                .always("path", STRING)
                .f("user", NODE_USER)
                .f("hard", BOOL)
                .nonPointerUntil("target", STRING, V3_3_0);
        on(LUKS)
                .f("cex", CEX, V3_5_0)
                .f("clevis", CLEVIS)
                .f("device", STRING)
                .f("discard", BOOL, V3_4_0)
                .f("keyFile", RESOURCE)
                .f("label", STRING)
                .always("name", STRING)
                .f("openOptions", new ListOf(STRING), V3_4_0)
                .f("options", new ListOf(STRING))
                .f("uuid", STRING)
                .f("wipeVolume", BOOL);
        on(CLEVIS)
                .f("custom", CLEVIS_CUSTOM)
                .f("tang", new ListOf(TANG))
                .f("threshold", INT)
                .f("tpm2", BOOL);
        on(CLEVIS_CUSTOM).f("config", STRING).f("needsNetwork", BOOL).f("pin", STRING);
        on(TANG).f("advertisement", STRING, V3_4_0).f("thumbprint", STRING).always("url", STRING);
        on(CEX).f("enabled", BOOL);
        on(RAID)
                .f("devices", new ListOf(STRING))
                .nonPointerUntil("level", STRING, V3_3_0)
                .always("name", STRING)
                .f("options", new ListOf(STRING))
                .f("spares", INT);

        on(SYSTEMD).f("units", new ListOf(UNIT));
        on(UNIT)
                .f("contents", STRING)
                .f("dropins", new ListOf(DROPIN))
                .f("enabled", BOOL)
                .f("mask", BOOL)
                .always("name", STRING)
                .sugar("contents_local", STRING, B15);
        on(DROPIN).f("contents", STRING).always("name", STRING).sugar("contents_local", STRING, B15);

        on(TREE)
                .sugar("local", STRING, B11)
                .sugar("path", STRING, B11)
                .sugar("user", NODE_USER, B17)
                .sugar("group", NODE_GROUP, B17)
                .sugar("file_mode", INT, B17)
                .sugar("dir_mode", INT, B17);
        on(BOOT_DEVICE)
                .sugar("layout", STRING, B13)
                .sugar("luks", BOOT_DEVICE_LUKS, B13)
                .sugar("mirror", BOOT_DEVICE_MIRROR, B13);
        on(BOOT_DEVICE_LUKS)
                .sugar("cex", CEX, B16)
                .sugar("device", STRING, B16)
                .sugar("discard", BOOL, B15)
                .sugar("tang", new ListOf(TANG), B13)
                .sugar("threshold", INT, B13)
                .sugar("tpm2", BOOL, B13);
        on(BOOT_DEVICE_MIRROR).sugar("devices", new ListOf(STRING), B13);
        on(GRUB).sugar("users", new ListOf(GRUB_USER), B15);
        on(GRUB_USER).sugar("name", STRING, B15).sugar("password_hash", STRING, B15);
    }

    /** Butane's YAML spelling of an Ignition JSON name: {@code sizeMiB} → {@code size_mib}. */
    public static String yamlName(String jsonName) {
        jsonName = jsonName.replace("MiB", "Mib"); // one word: sizeMiB -> size_mib
        StringBuilder sb = new StringBuilder(jsonName.length() + 4);
        for (int i = 0; i < jsonName.length(); i++) {
            char c = jsonName.charAt(i);
            if (Character.isUpperCase(c)) {
                char prev = i > 0 ? jsonName.charAt(i - 1) : 'A';
                if (Character.isLowerCase(prev) || Character.isDigit(prev)) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Builder on(ObjectType type) {
        return new Builder(type);
    }

    private record Builder(ObjectType type) {
        Builder f(String json, FieldType fieldType) {
            return f(json, fieldType, V3_0_0);
        }

        Builder f(String json, FieldType fieldType, IgnitionVersion since) {
            type.add(new Field(json, yamlName(json), fieldType, since, null, false, null));
            return this;
        }

        Builder always(String json, FieldType fieldType) {
            type.add(new Field(json, yamlName(json), fieldType, V3_0_0, null, true, null));
            return this;
        }

        Builder nonPointerUntil(String json, FieldType fieldType, IgnitionVersion until) {
            type.add(new Field(json, yamlName(json), fieldType, V3_0_0, until, false, null));
            return this;
        }

        Builder sugar(String yaml, FieldType fieldType, ButaneVersion since) {
            type.add(new Field(yaml, yaml, fieldType, V3_0_0, null, false, since));
            return this;
        }
    }
}
