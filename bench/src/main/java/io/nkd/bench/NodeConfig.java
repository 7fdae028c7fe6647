package io.nkd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A typical Kubernetes node Butane config (variant fcos, version 1.5.0), generated deterministically.
 *
 * <p>It has {@value #FILE_COUNT} files: kubelet, containerd, CNI, sysctl and modules-load configs, small
 * text settings, a CA certificate, four binary-ish blobs (which butane's encoding turns into base64),
 * larger texts that gzip well (a 4 KiB bootstrap script, an audit policy, containerd's config), one
 * remote file with a verification hash and one append; plus directories, links, six systemd units
 * (with dropins, one masked, one dropin-only), two users with SSH keys, a group, kernel arguments, a
 * disk partition and a filesystem with {@code with_mount_unit}.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.nkd.bench.NodeConfig > bench/data/node.bu}
 * regenerates the copy that {@code bench/cli-startup.sh} translates.
 */
public final class NodeConfig {
    /** How many {@code storage.files} entries the config declares. */
    public static final int FILE_COUNT = 40;

    private final StringBuilder out = new StringBuilder(64 * 1024);
    private final Random random = new Random(20261122L);
    private int files;
    private boolean unitHasDropins;

    private NodeConfig() {
    }

    public static void main(String[] args) {
        System.out.print(yaml());
    }

    /** The config's YAML text; the same on every call and every JVM. */
    public static String yaml() {
        return new NodeConfig().build();
    }

    private String build() {
        line(0, "variant: fcos");
        line(0, "version: 1.5.0");
        passwd();
        kernelArguments();
        line(0, "storage:");
        disks();
        directories();
        files();
        links();
        systemd();
        if (files != FILE_COUNT) {
            throw new IllegalStateException("generated " + files + " files, expected " + FILE_COUNT);
        }
        return out.toString();
    }

    // ---- passwd, kernel arguments, disks ----------------------------------------------------------

    private void passwd() {
        line(0, "passwd:");
        line(1, "users:");
        line(2, "- name: core");
        line(3, "ssh_authorized_keys:");
        for (String who : List.of("ops@bastion", "ci@deploy", "alice@laptop")) {
            line(4, "- " + sshKey(who));
        }
        line(2, "- name: nkd");
        line(3, "uid: 1500");
        line(3, "gecos: nkd node agent");
        line(3, "home_dir: /var/home/nkd");
        line(3, "shell: /bin/bash");
        line(3, "groups: [wheel, nkd-ops]");
        line(3, "ssh_authorized_keys:");
        line(4, "- " + sshKey("nkd@controller"));
        line(1, "groups:");
        line(2, "- name: nkd-ops");
        line(3, "gid: 1600");
    }

    private String sshKey(String comment) {
        byte[] key = bytes(51);
        return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" + java.util.Base64.getEncoder().encodeToString(key)
                .replace("=", "") + " " + comment;
    }

    private void kernelArguments() {
        line(0, "kernel_arguments:");
        line(1, "should_exist:");
        for (String arg : List.of("systemd.unified_cgroup_hierarchy=1", "mitigations=auto", "console=ttyS0,115200n8",
                "psi=1")) {
            line(2, "- " + arg);
        }
        line(1, "should_not_exist:");
        line(2, "- mitigations=off");
        line(2, "- rhgb");
    }

    private void disks() {
        line(1, "disks:");
        line(2, "- device: /dev/disk/by-id/virtio-data");
        line(3, "wipe_table: false");
        line(3, "partitions:");
        line(4, "- label: containers");
        line(5, "number: 1");
        line(5, "size_mib: 0");
        line(1, "filesystems:");
        line(2, "- device: /dev/disk/by-partlabel/containers");
        line(3, "path: /var/lib/containers");
        line(3, "format: xfs");
        line(3, "label: containers");
        line(3, "wipe_filesystem: false");
        line(3, "with_mount_unit: true");
        line(3, "mount_options: [noatime, prjquota]");
    }

    private void directories() {
        line(1, "directories:");
        for (String[] d : new String[][] {
            {"/var/lib/kubelet", "0755"}, {"/etc/kubernetes/manifests", "0755"}, {"/etc/cni/net.d", "0755"},
            {"/opt/cni/bin", "0755"}, {"/var/lib/etcd", "0700"}, {"/var/log/pods", "0755"}}) {
            line(2, "- path: " + d[0]);
            line(3, "mode: " + d[1]);
        }
    }

    private void links() {
        line(1, "links:");
        link("/etc/localtime", "../usr/share/zoneinfo/UTC", false);
        link("/usr/local/bin/k", "/usr/local/bin/kubectl", false);
        link("/etc/kubernetes/kubelet.conf", "/var/lib/kubelet/kubeconfig", true);
    }

    private void link(String path, String target, boolean overwrite) {
        line(2, "- path: " + path);
        line(3, "target: " + target);
        if (overwrite) {
            line(3, "overwrite: true");
        }
    }

    // ---- files ------------------------------------------------------------------------------------

    private void files() {
        line(1, "files:");
        // kubelet
        text("/etc/kubernetes/kubelet-config.yaml", "0644", kubeletConfig());
        text("/etc/sysconfig/kubelet", "0644", "KUBELET_EXTRA_ARGS=--node-labels=nkd.io/pool=workers "
                + "--register-with-taints=nkd.io/booting=true:NoSchedule\n");
        text("/etc/kubernetes/bootstrap-kubelet.conf", "0600", bootstrapKubeconfig());
        text("/etc/kubernetes/credential-provider.yaml", "0644", "apiVersion: kubelet.config.k8s.io/v1\n"
                + "kind: CredentialProviderConfig\nproviders:\n  - name: nkd-registry-credential\n"
                + "    matchImages: [\"registry.nkd.internal\", \"*.registry.nkd.internal\"]\n"
                + "    defaultCacheDuration: 12h\n    apiVersion: credentialprovider.kubelet.k8s.io/v1\n");
        text("/etc/kubernetes/pki/ca.crt", "0644", pem("CERTIFICATE", 802));
        text("/etc/kubernetes/manifests/kube-vip.yaml", "0644", kubeVip());
        text("/etc/kubernetes/audit-policy.yaml", "0644", auditPolicy());
        // containerd, CNI, crictl
        text("/etc/containerd/config.toml", "0644", containerdConfig());
        text("/etc/containerd/certs.d/registry.nkd.internal/hosts.toml", "0644",
                "server = \"https://registry.nkd.internal\"\n\n[host.\"https://mirror.nkd.internal:5000\"]\n"
                + "  capabilities = [\"pull\", \"resolve\"]\n  ca = \"/etc/kubernetes/pki/ca.crt\"\n");
        text("/etc/crictl.yaml", "0644", "runtime-endpoint: unix:///run/containerd/containerd.sock\n"
                + "image-endpoint: unix:///run/containerd/containerd.sock\ntimeout: 10\ndebug: false\n");
        text("/etc/cni/net.d/10-containerd-net.conflist", "0644", cniConfig());
        text("/etc/containers/registries.conf.d/50-mirror.conf", "0644",
                "[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n\n[[registry.mirror]]\n"
                + "location = \"mirror.nkd.internal:5000\"\n");
        // kernel: sysctl, modules
        text("/etc/sysctl.d/90-kubernetes.conf", "0644", "net.ipv4.ip_forward = 1\n"
                + "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n"
                + "net.ipv6.conf.all.forwarding = 1\nvm.overcommit_memory = 1\nkernel.panic = 10\n"
                + "kernel.panic_on_oops = 1\n");
        text("/etc/sysctl.d/91-inotify.conf", "0644", "fs.inotify.max_user_instances = 8192\n"
                + "fs.inotify.max_user_watches = 524288\n");
        text("/etc/sysctl.d/92-net.conf", "0644", "net.core.somaxconn = 32768\n"
                + "net.ipv4.neigh.default.gc_thresh1 = 4096\nnet.ipv4.neigh.default.gc_thresh2 = 8192\n"
                + "net.ipv4.neigh.default.gc_thresh3 = 16384\nnet.netfilter.nf_conntrack_max = 1048576\n");
        text("/etc/modules-load.d/k8s.conf", "0644", "overlay\nbr_netfilter\n");
        text("/etc/modules-load.d/ipvs.conf", "0644", "ip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_sh\nnf_conntrack\n");
        // host settings
        plain("/etc/hostname", "0644", "worker-07.nkd.internal", true);
        text("/etc/NetworkManager/system-connections/eth0.nmconnection", "0600", "[connection]\nid=eth0\n"
                + "type=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=manual\naddresses=10.20.0.17/24\n"
                + "gateway=10.20.0.1\ndns=10.20.0.2;10.20.0.3\n\n[ipv6]\nmethod=disabled\n");
        text("/etc/chrony.d/nkd.conf", "0644", "server ntp1.nkd.internal iburst\nserver ntp2.nkd.internal iburst\n");
        text("/etc/systemd/journald.conf.d/50-size.conf", "0644", "[Journal]\nSystemMaxUse=1G\nMaxRetentionSec=14day\n");
        text("/etc/security/limits.d/90-nofile.conf", "0644", "*    soft    nofile    1048576\n"
                + "*    hard    nofile    1048576\n");
        text("/etc/ssh/sshd_config.d/40-nkd.conf", "0600", "PasswordAuthentication no\nPermitRootLogin no\n"
                + "AllowGroups wheel nkd-ops\nClientAliveInterval 300\n");
        text("/etc/sudoers.d/nkd", "0440", "%nkd-ops ALL=(ALL) NOPASSWD: /usr/bin/systemctl, /usr/bin/crictl\n");
        text("/etc/zincati/config.d/90-disable-auto-updates.toml", "0644", "[updates]\nenabled = false\n");
        text("/etc/udev/rules.d/70-nic.rules", "0644", "SUBSYSTEM==\"net\", ACTION==\"add\", "
                + "ATTR{address}==\"52:54:00:12:34:56\", NAME=\"eth0\"\n");
        text("/etc/tmpfiles.d/nkd.conf", "0644", "d /run/nkd 0755 nkd nkd -\nd /var/lib/nkd 0750 nkd nkd -\n");
        text("/etc/logrotate.d/pods", "0644", "/var/log/pods/*/*/*.log {\n    daily\n    rotate 5\n"
                + "    compress\n    missingok\n    copytruncate\n}\n");
        text("/etc/profile.d/kubectl.sh", "0644", "export KUBECONFIG=/etc/kubernetes/kubelet.conf\n"
                + "alias kc=kubectl\n");
        text("/etc/issue.d/50-nkd.issue", "0644", "nkd node \\n (\\l) — managed by nkd, changes are reverted\n");
        // nkd agent
        text("/usr/local/bin/node-bootstrap.sh", "0755", bootstrapScript());
        text("/etc/nkd/node.json", "0644", "{\"cluster\":\"prod-eu-1\",\"pool\":\"workers\",\"index\":7,"
                + "\"labels\":{\"topology.kubernetes.io/zone\":\"eu-1b\",\"nkd.io/generation\":\"42\"}}\n");
        text("/etc/nkd/labels.env", "0640", "NKD_CLUSTER=prod-eu-1\nNKD_POOL=workers\nNKD_ZONE=eu-1b\n");
        text("/etc/nkd/agent.yaml", "0640", "controller: https://nkd.prod-eu-1.nkd.internal:8443\n"
                + "reconcileInterval: 60s\nhealthPort: 9102\ndrainTimeout: 10m\nlogLevel: info\n");
        // binary-ish blobs: butane encodes these as base64 (percent-encoding is longer, gzip does not pay)
        blob("/var/lib/nkd/node-token.bin", "0600", 48);
        blob("/etc/kubernetes/pki/encryption.key", "0600", 32);
        blob("/etc/nkd/seed.bin", "0600", 64);
        blob("/etc/ssh/ssh_host_ed25519_key.der", "0600", 83);
        // a remote binary with a verification hash, and an append
        line(2, "- path: /usr/local/bin/kubectl");
        line(3, "mode: 0755");
        line(3, "contents:");
        line(4, "source: https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubectl");
        line(4, "verification:");
        line(5, "hash: sha512-" + hex(64));
        files++;
        line(2, "- path: /etc/hosts");
        line(3, "append:");
        line(4, "- inline: |");
        block(6, "10.20.0.10 api.prod-eu-1.nkd.internal\n10.20.0.11 registry.nkd.internal\n");
        files++;
    }

    /** A text file as a literal block scalar. */
    private void text(String path, String mode, String contents) {
        line(2, "- path: " + path);
        line(3, "mode: " + mode);
        if (path.startsWith("/etc/nkd/") || path.startsWith("/var/lib/nkd/")) {
            line(3, "user:");
            line(4, "name: nkd");
            line(3, "group:");
            line(4, "name: nkd");
        }
        line(3, "contents:");
        line(4, "inline: |");
        block(5, contents);
        files++;
    }

    /** A one-line file as a plain scalar. */
    private void plain(String path, String mode, String contents, boolean overwrite) {
        line(2, "- path: " + path);
        line(3, "mode: " + mode);
        if (overwrite) {
            line(3, "overwrite: true");
        }
        line(3, "contents:");
        line(4, "inline: " + contents);
        files++;
    }

    /** Pseudo-random bytes, written as a double-quoted YAML string with \\x escapes. */
    private void blob(String path, String mode, int size) {
        StringBuilder s = new StringBuilder("\"");
        for (byte b : bytes(size)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        line(2, "- path: " + path);
        line(3, "mode: " + mode);
        line(3, "contents:");
        line(4, "inline: " + s.append('"'));
        files++;
    }

    // ---- systemd ----------------------------------------------------------------------------------

    private void systemd() {
        line(0, "systemd:");
        line(1, "units:");
        unit("containerd.service", null, null);
        dropin("10-nkd.conf", "[Service]\nLimitNOFILE=1048576\nEnvironment=ENABLE_CRI_SANDBOXES=sandboxed\n"
                + "ExecStartPre=-/sbin/modprobe overlay\n");
        unit("kubelet.service", true, "[Unit]\nDescription=Kubernetes kubelet\n"
                + "Wants=network-online.target containerd.service\n"
                + "After=network-online.target containerd.service node-bootstrap.service\n\n"
                + "[Service]\nEnvironmentFile=-/etc/sysconfig/kubelet\n"
                + "ExecStart=/usr/local/bin/kubelet --config=/etc/kubernetes/kubelet-config.yaml "
                + "--kubeconfig=/var/lib/kubelet/kubeconfig "
                + "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf $KUBELET_EXTRA_ARGS\n"
                + "Restart=always\nRestartSec=5\n\n[Install]\nWantedBy=multi-user.target\n");
        dropin("10-cgroup.conf", "[Service]\nCPUAccounting=true\nMemoryAccounting=true\n");
        dropin("20-image-credential.conf", "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--image-credential-provider-"
                + "config=/etc/kubernetes/credential-provider.yaml --image-credential-provider-bin-dir=/usr/libexec/"
                + "kubernetes/kubelet-plugins/credential-provider/exec\"\n");
        unit("node-bootstrap.service", true, "[Unit]\nDescription=nkd node bootstrap\n"
                + "ConditionPathExists=!/var/lib/nkd/bootstrapped\nWants=network-online.target\n"
                + "After=network-online.target\nBefore=kubelet.service\n\n[Service]\nType=oneshot\n"
                + "RemainAfterExit=yes\nExecStart=/usr/local/bin/node-bootstrap.sh\n"
                + "ExecStartPost=/usr/bin/touch /var/lib/nkd/bootstrapped\n\n[Install]\n"
                + "WantedBy=multi-user.target\n");
        unit("nkd-agent.service", true, "[Unit]\nDescription=nkd node agent\nAfter=kubelet.service\n\n"
                + "[Service]\nUser=nkd\nEnvironmentFile=/etc/nkd/labels.env\n"
                + "ExecStart=/usr/local/bin/nkd agent --node-config /etc/nkd/node.json\nRestart=on-failure\n\n"
                + "[Install]\nWantedBy=multi-user.target\n");
        dropin("10-hardening.conf", "[Service]\nNoNewPrivileges=true\nProtectSystem=strict\n"
                + "ReadWritePaths=/var/lib/nkd /run/nkd\nPrivateTmp=true\n");
        line(2, "- name: zincati.service");
        line(3, "enabled: false");
        line(3, "mask: true");
        unit("systemd-journald.service", null, null);
        dropin("50-rate.conf", "[Service]\nLogRateLimitIntervalSec=30s\nLogRateLimitBurst=10000\n");
    }

    private void unit(String name, Boolean enabled, String contents) {
        unitHasDropins = false;
        line(2, "- name: " + name);
        if (enabled != null) {
            line(3, "enabled: " + enabled);
        }
        if (contents != null) {
            line(3, "contents: |");
            block(4, contents);
        }
    }

    private void dropin(String name, String contents) {
        if (!unitHasDropins) {
            line(3, "dropins:");
            unitHasDropins = true;
        }
        line(4, "- name: " + name);
        line(5, "contents: |");
        block(6, contents);
    }

    // ---- contents ---------------------------------------------------------------------------------

    private static String kubeletConfig() {
        return """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                authentication:
                  anonymous:
                    enabled: false
                  webhook:
                    enabled: true
                    cacheTTL: 2m0s
                  x509:
                    clientCAFile: /etc/kubernetes/pki/ca.crt
                authorization:
                  mode: Webhook
                  webhook:
                    cacheAuthorizedTTL: 5m0s
                    cacheUnauthorizedTTL: 30s
                cgroupDriver: systemd
                clusterDNS:
                  - 10.96.0.10
                clusterDomain: cluster.local
                containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
                evictionHard:
                  imagefs.available: 15%
                  memory.available: 100Mi
                  nodefs.available: 10%
                  nodefs.inodesFree: 5%
                featureGates:
                  GracefulNodeShutdown: true
                maxPods: 110
                podPidsLimit: 4096
                readOnlyPort: 0
                rotateCertificates: true
                serverTLSBootstrap: true
                shutdownGracePeriod: 60s
                shutdownGracePeriodCriticalPods: 20s
                staticPodPath: /etc/kubernetes/manifests
                systemReserved:
                  cpu: 200m
                  memory: 512Mi
                kubeReserved:
                  cpu: 200m
                  memory: 512Mi
                tlsMinVersion: VersionTLS12
                """;
    }

    private String bootstrapKubeconfig() {
        return "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod-eu-1\n    cluster:\n"
                + "      certificate-authority: /etc/kubernetes/pki/ca.crt\n"
                + "      server: https://api.prod-eu-1.nkd.internal:6443\ncontexts:\n  - name: bootstrap\n"
                + "    context:\n      cluster: prod-eu-1\n      user: kubelet-bootstrap\n"
                + "current-context: bootstrap\nusers:\n  - name: kubelet-bootstrap\n    user:\n"
                + "      token: " + hex(3) + "." + hex(8) + "\n";
    }

    private static String kubeVip() {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: kube-vip
                  namespace: kube-system
                spec:
                  containers:
                    - name: kube-vip
                      image: ghcr.io/kube-vip/kube-vip:v0.8.4
                      args: [manager]
                      env:
                        - {name: vip_arp, value: "true"}
                        - {name: port, value: "6443"}
                        - {name: vip_interface, value: eth0}
                        - {name: cp_enable, value: "true"}
                        - {name: vip_leaderelection, value: "true"}
                        - {name: address, value: 10.20.0.10}
                      securityContext:
                        capabilities:
                          add: [NET_ADMIN, NET_RAW]
                      volumeMounts:
                        - {mountPath: /etc/kubernetes/admin.conf, name: kubeconfig}
                  hostNetwork: true
                  volumes:
                    - name: kubeconfig
                      hostPath: {path: /etc/kubernetes/kubelet.conf}
                """;
    }

    private static String auditPolicy() {
        StringBuilder s = new StringBuilder("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages:\n"
                + "  - RequestReceived\nrules:\n");
        String[][] rules = {
            {"None", "", "endpoints,services,services/status", "system:kube-proxy"},
            {"None", "", "nodes,nodes/status", "system:nodes"},
            {"None", "", "events", ""},
            {"Metadata", "", "secrets,configmaps,serviceaccounts/token", ""},
            {"Metadata", "authentication.k8s.io", "tokenreviews", ""},
            {"Request", "", "pods,pods/log,pods/exec,pods/portforward,pods/attach", ""},
            {"Request", "apps", "deployments,statefulsets,daemonsets,replicasets", ""},
            {"Request", "batch", "jobs,cronjobs", ""},
            {"Request", "networking.k8s.io", "networkpolicies,ingresses", ""},
            {"RequestResponse", "rbac.authorization.k8s.io", "roles,rolebindings,clusterroles,clusterrolebindings", ""},
            {"RequestResponse", "", "namespaces,persistentvolumes,persistentvolumeclaims", ""},
            {"Request", "storage.k8s.io", "storageclasses,volumeattachments,csinodes", ""},
            {"Request", "policy", "poddisruptionbudgets", ""},
            {"Request", "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations,validatingwebhookconfigurations", ""},
            {"Request", "apiextensions.k8s.io", "customresourcedefinitions", ""},
            {"Metadata", "coordination.k8s.io", "leases", ""},
        };
        for (String[] r : rules) {
            s.append("  - level: ").append(r[0]).append('\n');
            if (!r[3].isEmpty()) {
                s.append("    users: [\"").append(r[3]).append("\"]\n");
            }
            s.append("    verbs: [\"create\", \"update\", \"patch\", \"delete\", \"deletecollection\"]\n");
            s.append("    resources:\n      - group: \"").append(r[1]).append("\"\n        resources:\n");
            for (String res : r[2].split(",")) {
                s.append("          - \"").append(res).append("\"\n");
            }
        }
        s.append("  - level: Metadata\n    omitStages: [\"RequestReceived\"]\n");
        return s.toString();
    }

    private static String containerdConfig() {
        return """
                version = 2
                root = "/var/lib/containerd"
                state = "/run/containerd"
                oom_score = -999

                [grpc]
                  address = "/run/containerd/containerd.sock"
                  max_recv_message_size = 16777216
                  max_send_message_size = 16777216

                [metrics]
                  address = "127.0.0.1:1338"

                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "registry.k8s.io/pause:3.10"
                  max_container_log_line_size = 16384
                  enable_unprivileged_ports = true
                  enable_unprivileged_icmp = true

                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    discard_unpacked_layers = true

                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"

                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        SystemdCgroup = true

                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/opt/cni/bin"
                    conf_dir = "/etc/cni/net.d"

                  [plugins."io.containerd.grpc.v1.cri".registry]
                    config_path = "/etc/containerd/certs.d"

                [plugins."io.containerd.internal.v1.opt"]
                  path = "/opt/containerd"
                """;
    }

    private static String cniConfig() {
        return """
                {
                  "cniVersion": "1.0.0",
                  "name": "containerd-net",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "cni0",
                      "isGateway": true,
                      "ipMasq": true,
                      "promiscMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "10.88.0.0/16"}]],
                        "routes": [{"dst": "0.0.0.0/0"}]
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}
                  ]
                }
                """;
    }

    /** A bootstrap script of about 4 KiB: a header, one function per step, and a main. */
    private static String bootstrapScript() {
        StringBuilder s = new StringBuilder("""
                #!/usr/bin/env bash
                # nkd node bootstrap: runs once on first boot, before kubelet starts.
                set -euo pipefail
                log() { echo "node-bootstrap: $*" >&2; }
                retry() { local n=0; until "$@"; do n=$((n + 1)); [ "$n" -ge 10 ] && return 1; sleep $((n * 2)); done; }

                """);
        String[][] steps = {
            {"modules", "modprobe overlay\n  modprobe br_netfilter\n  for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh; "
                + "do modprobe \"$m\" || log \"module $m missing\"; done"},
            {"sysctl", "sysctl --system >/dev/null"},
            {"cni_plugins", "local v=v1.5.1 dir=/opt/cni/bin\n  [ -x \"$dir/bridge\" ] && return 0\n"
                + "  retry curl -fsSL -o /tmp/cni.tgz \"https://mirror.nkd.internal/cni-plugins-linux-amd64-$v.tgz\"\n"
                + "  tar -C \"$dir\" -xzf /tmp/cni.tgz && rm -f /tmp/cni.tgz"},
            {"kubelet_binary", "local v=v1.31.2\n  [ -x /usr/local/bin/kubelet ] && return 0\n"
                + "  retry curl -fsSL -o /usr/local/bin/kubelet \"https://mirror.nkd.internal/$v/kubelet\"\n"
                + "  chmod 0755 /usr/local/bin/kubelet"},
            {"containerd_ready", "systemctl enable --now containerd.service\n"
                + "  retry test -S /run/containerd/containerd.sock"},
            {"pause_image", "retry crictl pull registry.k8s.io/pause:3.10"},
            {"node_labels", "# shellcheck source=/dev/null\n  . /etc/nkd/labels.env\n"
                + "  echo \"KUBELET_EXTRA_ARGS=--node-labels=nkd.io/pool=$NKD_POOL,topology.kubernetes.io/zone=$NKD_ZONE\""
                + " >>/etc/sysconfig/kubelet"},
            {"swap_off", "swapoff -a || true\n  sed -i '/ swap / s/^/#/' /etc/fstab || true"},
            {"firewall", "for p in 10250/tcp 30000-32767/tcp 8472/udp; do\n"
                + "    iptables -C INPUT -p \"${p#*/}\" --dport \"${p%/*}\" -j ACCEPT 2>/dev/null \\\n"
                + "      || iptables -A INPUT -p \"${p#*/}\" --dport \"${p%/*}\" -j ACCEPT\n  done"},
            {"var_dirs", "install -d -m 0755 /var/lib/kubelet /var/log/pods /etc/kubernetes/manifests\n"
                + "  install -d -m 0750 -o nkd -g nkd /var/lib/nkd /run/nkd"},
            {"api_reachable", "retry curl -fsk --max-time 5 https://api.prod-eu-1.nkd.internal:6443/readyz >/dev/null"},
            {"report", "local now\n  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n"
                + "  printf '{\"node\":\"%s\",\"bootstrapped\":\"%s\"}\\n' \"$(hostname)\" \"$now\" >/var/lib/nkd/status.json"},
        };
        StringBuilder main = new StringBuilder("main() {\n");
        for (String[] step : steps) {
            s.append("# Step: ").append(step[0].replace('_', ' ')).append(".\n");
            s.append("step_").append(step[0]).append("() {\n  log \"").append(step[0]).append("\"\n  ")
                    .append(step[1]).append("\n}\n\n");
            main.append("  step_").append(step[0]).append('\n');
        }
        s.append(main).append("  log done\n}\n\n");
        // pad with the troubleshooting notes operators keep at the end of such scripts, to about 4 KiB
        int note = 1;
        while (s.length() < 4096 - 40) {
            s.append("# Note ").append(note++).append(": if a step fails, rerun with `bash -x ")
                    .append("/usr/local/bin/node-bootstrap.sh` and check `journalctl -u node-bootstrap`.\n");
        }
        s.append("main \"$@\"\n");
        return s.toString();
    }

    private String pem(String type, int derBytes) {
        String b64 = java.util.Base64.getEncoder().encodeToString(bytes(derBytes));
        StringBuilder s = new StringBuilder("-----BEGIN ").append(type).append("-----\n");
        for (int i = 0; i < b64.length(); i += 64) {
            s.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        return s.append("-----END ").append(type).append("-----\n").toString();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private String hex(int bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes(bytes)) {
            s.append(String.format("%02x", b & 0xff));
        }
        return s.toString();
    }

    // ---- YAML layout ------------------------------------------------------------------------------

    private void line(int level, String text) {
        out.append("  ".repeat(level)).append(text).append('\n');
    }

    /** Contents of a literal block scalar ({@code |}); every line indented, blank lines kept empty. */
    private void block(int level, String text) {
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("block text must end with a newline");
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        lines.remove(lines.size() - 1);
        String indent = "  ".repeat(level);
        for (String l : lines) {
            out.append(l.isEmpty() ? "" : indent + l).append('\n');
        }
    }
}
