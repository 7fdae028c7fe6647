package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bootstrap tokens and certificate keys: kubeadm's formats, fresh randomness, and no secret in any string. */
class TokensTest {

    @Test
    void bootstrapTokenHasKubeadmsFormat() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            BootstrapToken t = BootstrapToken.generate(random);
            assertTrue(t.value().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), t.id());
            assertEquals(t.id() + "." + t.secret(), t.value());
            assertEquals(t, BootstrapToken.parse(t.value()));
        }
    }

    @Test
    void twoTokensDifferAndUseTheWholeAlphabet() {
        SecureRandom random = new SecureRandom();
        assertNotEquals(BootstrapToken.generate(random), BootstrapToken.generate(random));
        Set<Character> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            BootstrapToken.generate(random).value().chars().filter(c -> c != '.').forEach(c -> seen.add((char) c));
        }
        assertEquals(36, seen.size(), "every one of [a-z0-9] appears in 6,600 draws");
    }

    @Test
    void sameSeedSameToken() {
        assertEquals(BootstrapToken.generate(PkiFixtures.seeded(5)), BootstrapToken.generate(PkiFixtures.seeded(5)));
    }

    @Test
    void bootstrapTokenToStringRedactsTheSecret() {
        BootstrapToken t = BootstrapToken.parse("abcdef.0123456789abcdef");
        assertEquals("BootstrapToken[id=abcdef, secret=<redacted>]", t.toString());
        assertFalse(t.toString().contains("0123456789abcdef"));
        assertFalse(String.valueOf(java.util.List.of(t)).contains("0123456789abcdef"));
    }

    @Test
    void invalidTokensAreRejectedWithoutEchoingThem() {
        for (String bad : new String[] {"abcdef0123456789abcdef", "ABCDEF.0123456789abcdef", "abcdef.0123456789ABCDEF",
                "abcde.0123456789abcdef", "abcdef.0123456789abcde_", "abcdef.0123456789abcdefg"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> BootstrapToken.parse(bad), bad);
            assertFalse(e.getMessage().contains(bad.substring(bad.indexOf('.') + 1)), e.getMessage());
        }
    }

    @Test
    void certificateKeyIs32RandomBytesInHex() {
        SecureRandom random = new SecureRandom();
        CertificateKey k = CertificateKey.generate(random);
        assertTrue(k.hex().matches("[0-9a-f]{64}"), "64 hex digits");
        assertEquals(32, k.bytes().length);
        assertNotEquals(k, CertificateKey.generate(random));
        assertEquals(CertificateKey.generate(PkiFixtures.seeded(9)), CertificateKey.generate(PkiFixtures.seeded(9)));
    }

    @Test
    void certificateKeyToStringRedacts() {
        CertificateKey k = CertificateKey.generate(new SecureRandom());
        assertEquals("CertificateKey[<redacted>]", k.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> new CertificateKey(k.hex().substring(1)));
        assertFalse(e.getMessage().contains(k.hex().substring(1, 20)));
    }

    @Test
    void generatorHandsOutTokensFromItsRandom() {
        assertEquals(PkiFixtures.generator(4).bootstrapToken(), PkiFixtures.generator(4).bootstrapToken());
        assertEquals(PkiFixtures.generator(4).certificateKey(), PkiFixtures.generator(4).certificateKey());
    }
}
