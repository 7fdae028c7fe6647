package io.nkd.importer;

import java.util.Set;
import java.util.stream.Collectors;

/** Small NKD configs written inline, for tests of one rule each. */
final class Nkd {
    private Nkd() {
    }

    /** One master, one worker, libvirt, every required piece. */
    static String minimal() {
        return """
                clusterID: lab
                architecture: amd64
                platform: libvirt
                infraPlatform:
                  uri: qemu:///system
                  osPath: /var/lib/nkd/nestos.qcow2
                  cidr: 10.1.0.0/24
                  gateway: 10.1.0.1
                master:
                  - hostname: lab-master01
                    ip: 10.1.0.11
                worker:
                  - hostname: lab-worker01
                    ip: 10.1.0.21
                runtime: containerd
                kubernetes:
                  kubernetesVersion: v1.31.4
                  apiserverEndpoint: 10.1.0.11:6443
                """;
    }

    static String cluster(ImportResult r) {
        return r.files().get(r.clusterFile());
    }

    static Set<String> keys(ImportResult r) {
        return r.notCarriedOver().stream().map(NotCarriedOver::key).collect(Collectors.toSet());
    }
}
