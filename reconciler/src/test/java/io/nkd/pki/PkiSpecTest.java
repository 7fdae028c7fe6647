package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nkd.config.Cidr;
import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Defaults, the API server's service IP, SAN parsing and the messages for bad input. */
class PkiSpecTest {
    private static PkiSpec spec(String serviceSubnet) {
        return PkiSpec.of("prod", Endpoint.parse("10.0.0.10:6443"), "cp-1", "10.0.0.11", serviceSubnet);
    }

    @Test
    void defaultsAreKubeadmsExceptTheKeyType() {
        PkiSpec s = spec("10.96.0.0/12");
        assertEquals("cluster.local", s.dnsDomain());
        assertEquals(KeyAlgorithm.ECDSA_P256, s.keyAlgorithm());
        assertEquals(Duration.ofDays(3650), s.caValidity());
        assertEquals(Duration.ofDays(365), s.leafValidity());
        assertEquals(List.of(), s.extraSans());
        assertEquals("https://10.0.0.10:6443", s.serverUrl());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "10.96.0.0/12; 10.96.0.1",
            "172.20.0.0/16; 172.20.0.1",
            "10.0.0.0/31; 10.0.0.1",
            "fd00:10:96::/112; fd00:10:96::1",
            "10.96.0.0/12,fd00:10:96::/112; 10.96.0.1",
            "fd00:10:96::/112,10.96.0.0/12; fd00:10:96::1"})
    void apiServerGetsTheFirstUsableIpOfThePrimarySubnet(String subnet, String ip) {
        assertEquals(Cidr.parseAddress(ip), spec(subnet).apiServerServiceIp());
    }

    @Test
    void extraSansAreToldApartByParsing() {
        AltNames names = AltNames.parse(List.of("API.Example.com", "*.apps.example.com", "192.0.2.1", "2001:db8::1", " lb.internal "));
        assertEquals(List.of("api.example.com", "*.apps.example.com", "lb.internal"), names.dnsNames());
        assertEquals(List.of(Cidr.parseAddress("192.0.2.1"), Cidr.parseAddress("2001:db8::1")), names.ipAddresses());
    }

    @Test
    void anIpEndpointIsAnIpSanNotADnsSan() {
        AltNames sans = Leaf.apiServerAltNames(spec("10.96.0.0/12").withExtraSans(List.of("10.0.0.10", "kubernetes")));
        assertEquals(List.of("cp-1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"),
                sans.dnsNames());
        assertEquals(List.of("10.96.0.1", "10.0.0.11", "10.0.0.10"), sans.ipStrings(), "duplicates dropped");
    }

    @Test
    void dnsDomainShapesTheServiceName() {
        AltNames sans = Leaf.apiServerAltNames(spec("10.96.0.0/12").withDnsDomain("k8s.internal"));
        assertEquals("kubernetes.default.svc.k8s.internal", sans.dnsNames().get(4));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.96.0.1/12| service subnet: \"10.96.0.1/12\" has host bits set; did you mean 10.96.0.0/12?",
            "10.96.0.5/32| service subnet 10.96.0.5/32 has no room for the API server's service IP",
            "10.96.0.0/12,fd00::/112,fd01::/112| service subnet \"10.96.0.0/12,fd00::/112,fd01::/112\" has more than two CIDRs (one per IP family)",
            "10.96.0.0/12,10.112.0.0/12| service subnet \"10.96.0.0/12,10.112.0.0/12\" has two CIDRs of one IP family",
            "banana| service subnet: \"banana\" is not a CIDR; write it like 10.96.0.0/12"})
    void badServiceSubnetsAreExplained(String subnet, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> spec(subnet)).getMessage());
    }

    @Test
    void badNamesAreExplained() {
        Endpoint ep = Endpoint.parse("api:6443");
        assertEquals("node name \"CP_1\" must be a lowercase RFC 1123 name, as Kubernetes node names are",
                assertThrows(IllegalArgumentException.class, () -> PkiSpec.of("prod", ep, "CP_1", "10.0.0.1", "10.96.0.0/12")).getMessage());
        assertEquals("node IP \"cp-1\" is not an IP address",
                assertThrows(IllegalArgumentException.class, () -> PkiSpec.of("prod", ep, "cp-1", "cp-1", "10.96.0.0/12")).getMessage());
        assertEquals("SAN \"bad_name!\" is neither an IP address nor a DNS name (RFC 1123, or *.example.com)",
                assertThrows(IllegalArgumentException.class, () -> spec("10.96.0.0/12").withExtraSans(List.of("bad_name!"))).getMessage());
        assertEquals("certificate validity periods must be positive",
                assertThrows(IllegalArgumentException.class, () -> spec("10.96.0.0/12").withValidity(Duration.ZERO, null)).getMessage());
    }

    @Test
    void keyAlgorithmIsSpelledInClusterYamlAsKubeadmNamesItInLowerCase() {
        assertEquals("ecdsa-p256", KeyAlgorithm.ECDSA_P256.wire());
        assertEquals("RSA-3072", KeyAlgorithm.RSA_3072.kubeadmName());
        assertEquals("rsa-3072", KeyAlgorithm.RSA_3072.wire());
    }
}
