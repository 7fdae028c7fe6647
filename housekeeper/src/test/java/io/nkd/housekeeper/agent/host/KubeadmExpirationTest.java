package io.nkd.housekeeper.agent.host;

import io.nkd.housekeeper.api.CertificateExpiry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubeadm certs check-expiration's text table, in the shapes kubeadm prints it. */
class KubeadmExpirationTest {
    /** kubeadm 1.2x: the authority column set on every row, a CA table after a blank line (not read). */
    static final String CURRENT = """
            [check-expiration] Reading configuration from the cluster...
            [check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'

            CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
            admin.conf                 Mar 15, 2023 01:59 UTC   362d            ca                      no
            apiserver                  Mar 15, 2023 01:58 UTC   362d            ca                      no
            etcd-server                Mar 05, 2023 01:59 UTC   352d            etcd-ca                 no
            front-proxy-client         Mar 15, 2023 01:59 UTC   <invalid>       front-proxy-ca          no

            CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
            ca                      Mar 12, 2032 01:58 UTC   9y              no
            """;

    /** Older kubeadm: no authority for the kubeconfigs. */
    static final String OLDER = """
            CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
            admin.conf                 Dec 30, 2020 23:36 UTC   364d                                    no
            apiserver                  Dec 30, 2020 23:36 UTC   364d            ca                      no
            """;

    @Test
    void readsEveryLeafAndKubeconfigAndNotTheCas() {
        assertEquals(List.of(new CertificateExpiry("admin.conf", "2023-03-15T01:59:00Z"),
                new CertificateExpiry("apiserver", "2023-03-15T01:58:00Z"),
                new CertificateExpiry("etcd-server", "2023-03-05T01:59:00Z"),
                new CertificateExpiry("front-proxy-client", "2023-03-15T01:59:00Z")), KubeadmExpiration.parse(CURRENT));
        assertEquals(List.of(new CertificateExpiry("admin.conf", "2020-12-30T23:36:00Z"),
                new CertificateExpiry("apiserver", "2020-12-30T23:36:00Z")), KubeadmExpiration.parse(OLDER));
    }

    @Test
    void anythingElseIsRefusedWithWhatCouldNotBeRead() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> KubeadmExpiration.parse("error: open /etc/kubernetes/pki/apiserver.crt: no such file"));
        assertTrue(none.getMessage().contains("no certificate table"), none.getMessage());
        IllegalArgumentException row = assertThrows(IllegalArgumentException.class, () -> KubeadmExpiration.parse(
                "CERTIFICATE   EXPIRES   RESIDUAL TIME\napiserver   sometime   1d\n"));
        assertTrue(row.getMessage().contains("apiserver   sometime"), row.getMessage());
    }
}
