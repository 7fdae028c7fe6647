package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** spec.infrastructure.libvirt in cluster.yaml: the example's settings and their defaults; mistakes named by field and line. */
class LibvirtSettingsTest {
    private static final String LAB = "clusters/libvirt-lab/cluster.yaml";

    @Test
    void theExampleLabReadsWithItsDefaults() {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.snapshot());
        Infrastructure.Libvirt lv = config.cluster("libvirt-lab").orElseThrow().spec().infrastructure().libvirt();
        assertEquals("qemu:///system", lv.uri());
        assertEquals("default", lv.network());
        assertEquals("default", lv.storagePool());
        assertEquals("nestos-24.03.qcow2", lv.baseImage());
        assertEquals(Infrastructure.LibvirtInterface.NETWORK, lv.networkInterface());
        assertEquals(Infrastructure.LibvirtFirmware.BIOS, lv.firmware());
        assertTrue(lv.usesNetwork());
    }

    @Test
    void aTestImageSetupReadsFromYaml() {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.with(LAB, s -> s.replace("      baseImage: nestos-24.03.qcow2\n",
                "      baseImage: nestos-24.03.qcow2\n      networkInterface: user\n      firmware: efi\n      kernel: /srv/vm/vmlinuz\n"
                        + "      initrd: /srv/vm/initrd.img\n      kernelArgs: root=/dev/vda rw console=ttyS0\n      consoleLogDir: /srv/vm/log\n")));
        assertTrue(config.valid(), config.allProblems()::toString);
        Infrastructure.Libvirt lv = config.cluster("libvirt-lab").orElseThrow().spec().infrastructure().libvirt();
        assertEquals(Infrastructure.LibvirtInterface.USER, lv.networkInterface());
        assertFalse(lv.usesNetwork());
        assertEquals(Infrastructure.LibvirtFirmware.EFI, lv.firmware());
        assertEquals("/srv/vm/vmlinuz", lv.kernel());
        assertEquals("root=/dev/vda rw console=ttyS0", lv.kernelArgs());
        assertEquals("/srv/vm/log", lv.consoleLogDir());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "initrd without kernel | initrd: /srv/vm/initrd.img | initrd is set without kernel",
            "kernelArgs without kernel | kernelArgs: console=ttyS0 | kernelArgs is set without kernel",
            "relative kernel | kernel: vmlinuz | kernel is \"vmlinuz\": write an absolute path",
            "relative console log directory | consoleLogDir: log | consoleLogDir is \"log\": write an absolute path",
            "unknown interface | networkInterface: bridge | \"bridge\" is not one of network, user",
    })
    void mistakesAreReportedAtTheLibvirtBlockNamingTheField(String name, String line, String message) {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.with(LAB,
                s -> s.replace("      baseImage: nestos-24.03.qcow2\n", "      baseImage: nestos-24.03.qcow2\n      " + line + "\n")));
        assertFalse(config.valid());
        List<Entry> errors = config.allProblems().entries();
        assertEquals(1, errors.size(), errors::toString);
        Entry e = errors.get(0);
        assertEquals(LAB, e.file());
        assertTrue(e.location() != null && e.location().line() > 0, e::toString);
        assertTrue(e.message().contains(message), e::toString);
    }
}
