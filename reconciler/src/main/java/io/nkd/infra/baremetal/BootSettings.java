package io.nkd.infra.baremetal;

import io.nkd.config.Infrastructure;
import java.util.List;
import java.util.Objects;

/**
 * What a bare-metal machine's iPXE script boots, from the cluster's {@code infrastructure.baremetal} as it was when
 * the machine was registered: the live PXE images, the disk the installer writes, the installer's argument prefix
 * and extra kernel arguments.
 *
 * @param ipxeBaseURL where machines reach nkd's iPXE listener, or null to use the address a machine asked on
 */
public record BootSettings(String kernel, String initramfs, String rootfs, String installDisk, Infrastructure.Installer installer,
                           List<String> kernelArgs, String ipxeBaseURL) {
    public BootSettings {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initramfs, "initramfs");
        Objects.requireNonNull(rootfs, "rootfs");
        installDisk = installDisk == null ? Infrastructure.BareMetal.DEFAULT_INSTALL_DISK : installDisk;
        installer = installer == null ? Infrastructure.Installer.NESTOS : installer;
        kernelArgs = kernelArgs == null ? List.of() : List.copyOf(kernelArgs);
    }

    /** The settings of a cluster.yaml; empty when its baremetal block or pxe images are missing. */
    public static java.util.Optional<BootSettings> of(Infrastructure.BareMetal bm) {
        if (bm == null || bm.pxe() == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new BootSettings(bm.pxe().kernel(), bm.pxe().initramfs(), bm.pxe().rootfs(), bm.installDisk(),
                bm.installer(), bm.kernelArgs(), bm.ipxeBaseURL()));
    }
}
