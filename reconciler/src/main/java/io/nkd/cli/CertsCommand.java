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
        subcommands = {CertsCommand.ListCerts.class, CertsCommand.CheckCerts.class})
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
}
