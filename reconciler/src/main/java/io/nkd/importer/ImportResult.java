package io.nkd.importer;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What importing one NKD cluster config produced.
 *
 * @param cluster        the nkd cluster name (a DNS label, from NKD's clusterID)
 * @param files          repository-relative path → text to write into the config repository
 * @param caFiles        kubeadm PKI path ({@code pki/ca.crt}, {@code pki/etcd/ca.key}, …) → the file NKD's certAsset
 *                       named; the CLI reads them and hands them to nkd's state store
 * @param caKeys         the same kubeadm paths → the certAsset key that named the file (for error messages)
 * @param notCarriedOver NKD settings the user must handle, in file order
 */
public record ImportResult(String cluster, SortedMap<String, String> files, SortedMap<String, String> caFiles,
                           SortedMap<String, String> caKeys, List<NotCarriedOver> notCarriedOver) {
    public ImportResult {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        caFiles = Collections.unmodifiableSortedMap(new TreeMap<>(caFiles));
        caKeys = Collections.unmodifiableSortedMap(new TreeMap<>(caKeys));
        notCarriedOver = List.copyOf(notCarriedOver);
    }

    public String clusterFile() {
        return "clusters/" + cluster + "/cluster.yaml";
    }

    /** A summary: names, never file contents (a reviewer may paste it anywhere). */
    @Override
    public String toString() {
        return "ImportResult[cluster=" + cluster + ", files=" + files.keySet() + ", caFiles=" + caFiles.keySet()
                + ", notCarriedOver=" + notCarriedOver.size() + " item(s)]";
    }
}
