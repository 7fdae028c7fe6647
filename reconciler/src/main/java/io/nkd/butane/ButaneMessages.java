package io.nkd.butane;

/** Butane's user-facing messages, worded as the reference tool words them so users recognise them. */
final class ButaneMessages {
    private ButaneMessages() {
    }

    static final String NO_VARIANT = "error parsing variant; must be specified";
    static final String INVALID_VERSION = "error parsing version; must be a valid semver";
    static final String TOO_MANY_RESOURCE_SOURCES = "only one of the following can be set: inline, local, source";
    static final String TOO_MANY_UNIT_SOURCES = "only one of the following can be set: contents, contents_local";
    static final String FILES_DIR_ESCAPE = "local file path traverses outside the files directory";
    static final String FILE_TYPE = "trees may only contain files, directories, and symlinks";
    static final String NODE_EXISTS = "matching filesystem node has existing contents or different type";
    static final String NO_FILES_DIR =
            "local file paths are relative to a files directory that must be specified with -d/--files-dir";
    static final String TREE_NOT_DIRECTORY = "root of tree must be a directory";
    static final String TREE_NO_LOCAL = "local is required";
    static final String DECIMAL_MODE =
            "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero";
    static final String MOUNT_UNIT_NO_PATH = "path is required if with_mount_unit is true and format is not swap";
    static final String MOUNT_UNIT_NO_FORMAT = "format is required if with_mount_unit is true";
    static final String MOUNT_POINT_FORBIDDEN = "path must be under /etc or /var if with_mount_unit is true";
    static final String UNKNOWN_BOOT_DEVICE_LAYOUT =
            "layout must be one of: aarch64, ppc64le, s390x-eckd, s390x-virt, s390x-zfcp, x86_64";
    static final String UNKNOWN_BOOT_DEVICE_LAYOUT_OLD = "layout must be one of: aarch64, ppc64le, x86_64";
    static final String TOO_FEW_MIRROR_DEVICES = "mirroring requires at least two devices";
    static final String MIRROR_REQUIRES_LAYOUT =
            "boot_device.layout should be specified when boot_device.mirror is specified";
    static final String MIRROR_NOT_SUPPORTED = "mirroring not supported on layout s390x";
    static final String NO_LUKS_BOOT_DEVICE = "device is required for layouts: s390x-eckd, s390x-zfcp";
    static final String LUKS_BOOT_DEVICE_BAD_NAME =
            "device name must start with /dev/dasd on s390x-eckd layout or /dev/sd on s390x-zfcp layout";
    static final String CEX_ARCHITECTURE_MISMATCH = "when using cex the targeted architecture must match s390x";
    static final String CEX_WITH_CLEVIS = "cannot use cex with clevis";
    static final String GRUB_USER_NAME_NOT_SPECIFIED = "field \"name\" is required";
    static final String GRUB_PASSWORD_NOT_SPECIFIED = "field \"password_hash\" is required";
    static final String ROOT_CONSTRAINED =
            "root partition cannot expand; it is set to fill available space but is followed by an auto-positioned partition";
    static final String ROOT_TOO_SMALL = "root should have 8GiB of space assigned";
    static final String WRONG_PARTITION_NUMBER =
            "incorrect partition number; a new partition will be created using reserved label";
    static final String REUSE_BY_LABEL =
            "partitions matched by label alone are reused only if they exist; specify a number to reuse an existing partition";
    static final String INVALID_EMBEDDED_CONFIG = "config is not valid";

    static String noTranslator(String variant, String version) {
        return "No translator exists for variant " + variant + " with version " + version;
    }
}
