package io.nkd.cli;

import io.nkd.json.JsonOutput;
import io.nkd.pki.CertificateCheck;
import io.nkd.pki.CertificateInfo;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.state.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd certs list|check}: the certificates nkd generated for its clusters. */
@Command(name = "certs",
        mixinStandardHelpOptions = true,
        description = "Show and check the cluster certificates in nkd's state directory.",
        subcommands = {CertsCommand.ListCerts.class, CertsCommand.CheckCerts.class, CertsCommand.RenewCerts.class})
final class CertsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options both subcommands take. */
    static class Target {
        @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
        Path stateDir;

        @Option(names = "--cluster", paramLabel = "NAME", description = "Only this cluster (default: all).")
        String cluster;

        List<String> clusters(StateStore store) {
            List<String> all = io.nkd.config.ReservedNames.userClusters(store.listClusters());
            if (cluster != null && !all.contains(cluster)) {
                throw new UserException("the state directory has no cluster " + cluster + " (it has: "
                        + (all.isEmpty() ? "none" : String.join(", ", all)) + ")");
            }
            return cluster == null ? all : List.of(cluster);
        }

        SortedMap<String, byte[]> files(StateStore store, String name) {
            return StateDirs.call(() -> ClusterSecrets.pkiFiles(store.view(name)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List every certificate: subject, SANs, expiry.",
            footer = {"", "Examples:", "  nkd certs list --state-dir /var/lib/nkd --cluster prod",
                "  nkd certs list --state-dir /var/lib/nkd -o json"})
    static final class ListCerts implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @picocli.CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            StateStore store = StateDirs.openExisting(target.stateDir);
            if (output.json()) {
                java.util.Map<String, List<CertificateInfo>> all = new java.util.TreeMap<>();
                for (String name : target.clusters(store)) {
                    all.put(name, CertificateInfo.list(target.files(store, name), Clock.systemUTC()));
                }
                System.out.println(JsonOutput.write(all));
                return 0;
            }
            for (String name : target.clusters(store)) {
                System.out.println("cluster " + name + ":");
                for (CertificateInfo c : CertificateInfo.list(target.files(store, name), Clock.systemUTC())) {
                    List<String> sans = new java.util.ArrayList<>(c.dnsNames());
                    sans.addAll(c.ipAddresses());
                    System.out.printf("  %-34s %-48s expires %s (%d days)%s%n", c.path(), c.subject(), c.notAfter(), c.daysLeft(),
                            sans.isEmpty() ? "" : "  SANs: " + String.join(", ", sans));
                }
            }
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check every certificate: expired, expiring within --warn-days, wrong issuer, key mismatch.",
                "Exit 0 when all are fine, 1 when any finding is reported."},
            footer = {"", "Examples:", "  nkd certs check --state-dir /var/lib/nkd --warn-days 60",
                "  nkd certs check --state-dir /var/lib/nkd -o json"})
    static final class CheckCerts implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Target target;

        @picocli.CommandLine.Mixin
        OutputOption output;

        /** One finding of {@code nkd certs check -o json}. */
        record JsonFinding(String cluster, String path, CertificateCheck.Kind kind, String message) {
        }

        @Option(names = "--warn-days", defaultValue = "30", description = "Report certificates expiring within this many days.")
        int warnDays;

        @Override
        public Integer call() {
            StateStore store = StateDirs.openExisting(target.stateDir);
            List<JsonFinding> findings = new java.util.ArrayList<>();
            for (String name : target.clusters(store)) {
                for (CertificateCheck.Finding f : new CertificateCheck(Clock.systemUTC(), warnDays).check(target.files(store, name))) {
                    findings.add(new JsonFinding(name, f.path(), f.kind(), f.message()));
                }
            }
            if (output.json()) {
                System.out.println(JsonOutput.write(java.util.Map.of("ok", findings.isEmpty(), "findings", findings)));
            } else {
                findings.forEach(f -> System.out.println(f.cluster() + ": " + f.path() + ": "
                        + f.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + f.message()));
                System.out.println(findings.isEmpty() ? "all certificates are valid" : findings.size() + " finding(s)");
            }
            return findings.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "renew", mixinStandardHelpOptions = true,
            description = {"Renew the certificates nkd keeps for a cluster (admin.conf, super-admin.conf and the leaves under pki/), and ask the cluster's Housekeeper to renew those kubeadm issued on the control-plane nodes.",
                "They are re-issued from the cluster's CAs with new keys; lifetime and key type come from spec.pki of the last applied cluster.yaml.",
                "CAs and service-account keys are kept, so nodes and tokens stay valid.",
                "The daemon renews them by itself 30 days ahead; this is for an earlier renewal.",
                "A renewal does not revoke the old certificates: Kubernetes checks no revocation list, they stay valid until they expire.",
                "Works while the daemon runs (it waits for the cluster's lock).",
                "",
                "The control-plane nodes' own certificates (apiserver, apiserver-kubelet-client, front-proxy-client, the etcd leaves, apiserver-etcd-client, and the controller-manager, scheduler and admin kubeconfigs; kubeadm issues them for one year) are renewed through the cluster.",
                "The request is kept in the state directory; the daemon writes it into the Housekeeper's Update (spec.certificateRenewal).",
                "The Housekeeper renews one control-plane node at a time (kubeadm certs renew all, then a restart of its control-plane static pods), never during a control-plane node's OS or Kubernetes update.",
                "nkd status CLUSTER shows each node's progress and new expiry.",
                "With spec.housekeeper.flavor nestos or the Housekeeper disabled, this prints the manual commands instead.",
                "Worker nodes need nothing: their kubelets rotate their own client certificates."},
            footer = {"", "Examples:", "  nkd certs renew prod --state-dir /var/lib/nkd            # what expires within 30 days",
                "  nkd certs renew prod --state-dir /var/lib/nkd --all      # every certificate nkd keeps",
                "  nkd certs renew prod --state-dir /var/lib/nkd --skip-nodes   # only what nkd keeps",
                "", "kubeadm also renews the control-plane nodes' certificates on every Kubernetes upgrade; see",
                "docs/state-and-secrets.md, \"Certificate lifetimes\"."})
    static final class RenewCerts implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster.")
        String cluster;

        @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
        Path stateDir;

        @Option(names = "--all", description = "Renew every certificate nkd keeps, not only those expiring within --within-days.")
        boolean all;

        @Option(names = "--skip-nodes", description = "Do not ask for the renewal of the control-plane nodes' kubeadm certificates.")
        boolean skipNodes;

        @Option(names = "--within-days", defaultValue = "30", paramLabel = "DAYS",
                description = "Renew what expires within this many days (default ${DEFAULT-VALUE}).")
        int withinDays;

        @Override
        public Integer call() throws Exception {
            if (withinDays < 0) {
                throw new UserException("--within-days must be 0 or more (0 renews only what already expired)");
            }
            StateStore store = StateDirs.openExisting(stateDir);
            List<String> known = io.nkd.config.ReservedNames.userClusters(store.listClusters());
            if (!known.contains(cluster)) {
                throw new UserException("the state directory has no cluster " + cluster + " (it has: "
                        + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
            }
            java.time.Duration within = all ? java.time.Duration.ofDays(365L * 1000) : java.time.Duration.ofDays(withinDays);
            List<ClusterSecrets.Renewal> renewed;
            String nodes;
            try (io.nkd.state.ClusterState state = store.open(cluster, java.time.Duration.ofSeconds(60))) {
                io.nkd.config.ClusterSpec spec = appliedSpec(state);
                renewed = new ClusterSecrets(store, null, new java.security.SecureRandom(), Clock.systemUTC())
                        .renewExpiring(state, cluster, spec, within);
                nodes = skipNodes ? null : requestNodeRenewal(state, spec);
            } catch (io.nkd.state.StateLockedException e) {
                throw new UserException(e.getMessage());
            }
            if (renewed.isEmpty()) {
                System.out.println("nothing to renew: every certificate nkd keeps for " + cluster + " is valid for more than "
                        + withinDays + " days (--all renews them anyway)");
            }
            for (ClusterSecrets.Renewal r : renewed) {
                System.out.println("renewed " + r.path() + ": valid until " + r.expires() + " (was " + r.expired() + ")");
            }
            if (!renewed.isEmpty()) {
                System.out.println("Fetch the new admin kubeconfig with: nkd kubeconfig " + cluster + " --state-dir " + stateDir);
            }
            if (nodes != null) {
                System.out.println(nodes);
            }
            return 0;
        }

        /**
         * Records a new request for the control-plane nodes (the daemon writes it into the Housekeeper's Update), or
         * says why nkd cannot ask and what to run instead.
         */
        private String requestNodeRenewal(io.nkd.state.ClusterState state, io.nkd.config.ClusterSpec spec) {
            var housekeeper = spec.housekeeper();
            if (!housekeeper.enabled() || housekeeper.flavor() != io.nkd.config.HousekeeperSettings.Flavor.NKD) {
                String why = !housekeeper.enabled() ? "spec.housekeeper.enabled is false"
                        : "spec.housekeeper.flavor is nestos: the NestOS Housekeeper has no certificate renewal";
                return "The control-plane nodes' kubeadm certificates are not renewed through the cluster (" + why + ").\n"
                        + "Renew them as kubeadm documents, on each control-plane node, one node at a time:\n"
                        + "  kubeadm certs renew all\n"
                        + "  then restart its control-plane static pods: move each manifest in /etc/kubernetes/manifests out\n"
                        + "  of that directory until the kubelet stopped the pod (about 20 s), move it back, and wait for\n"
                        + "  https://127.0.0.1:6443/readyz before the next node\n"
                        + "  kubeadm certs check-expiration   # the new expiries";
            }
            var request = io.nkd.secrets.NodeCertificateRequest.next(io.nkd.secrets.NodeCertificateRequest.read(state),
                    Clock.systemUTC().instant());
            request.write(state);
            return "requested the renewal of the control-plane nodes' kubeadm certificates (request " + request.id() + "):\n"
                    + "  the daemon writes it into the Housekeeper's Update " + io.nkd.housekeeper.api.Updates.NAMESPACE + "/"
                    + io.nkd.housekeeper.api.Updates.DEFAULT_NAME + " on its next reconcile, and the Housekeeper renews\n"
                    + "  one control-plane node at a time. Follow it with: nkd status " + cluster + " --state-dir " + stateDir;
        }

        /** spec.pki and the endpoint of the last cluster.yaml nkd applied (the reconcile renews from the commit's). */
        private io.nkd.config.ClusterSpec appliedSpec(io.nkd.state.ClusterState state) {
            String file = io.nkd.reconcile.ClusterReconciler.APPLIED_CLUSTER_FILE;
            var bytes = state.read(file);
            if (bytes.isEmpty()) {
                throw new UserException("cluster " + cluster + " has no applied cluster.yaml in " + state.location()
                        + " yet: nkd renews certificates of clusters it reconciled (let the daemon reconcile it first)");
            }
            io.nkd.report.Report report = new io.nkd.report.Report();
            var doc = io.nkd.yaml.YamlBinder.bind(file, new String(bytes.get(), java.nio.charset.StandardCharsets.UTF_8),
                    io.nkd.config.ClusterDocument.class, report);
            if (doc.value() == null || doc.value().spec() == null) {
                throw new UserException("the last applied cluster.yaml of " + cluster + " (" + state.location() + "/" + file
                        + ") cannot be read: " + (report.entries().isEmpty() ? "no spec" : report.entries().get(0))
                        + ". Restore it from a backup of the state directory");
            }
            return doc.value().spec();
        }
    }
}
