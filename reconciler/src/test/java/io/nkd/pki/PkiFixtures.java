package io.nkd.pki;

import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Shared inputs: a fixed clock, seeded randoms, a spec like a real one, and PKIs generated once per run. */
final class PkiFixtures {
    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static final PkiSpec SPEC = PkiSpec.of("prod", Endpoint.parse("k8s.example.com:6443"), "cp-1", "192.168.10.11", "10.96.0.0/12")
            .withExtraSans(List.of("api.example.org", "203.0.113.7", "2001:db8::7"));

    private static ClusterPki ecdsa;
    private static ClusterPki rsa;

    private PkiFixtures() {
    }

    /** SHA1PRNG seeded before first use is fully deterministic: the same seed gives the same keys. */
    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static PkiGenerator generator(long seed) {
        return new PkiGenerator(seeded(seed), CLOCK);
    }

    static synchronized ClusterPki ecdsa() {
        if (ecdsa == null) {
            ecdsa = generator(1).generate(SPEC);
        }
        return ecdsa;
    }

    static synchronized ClusterPki rsa() {
        if (rsa == null) {
            rsa = generator(2).generate(SPEC.withKeyAlgorithm(KeyAlgorithm.RSA_2048));
        }
        return rsa;
    }

    /** Writes {@code files} below {@code dir}, creating pki/ and pki/etcd/. */
    static void write(Path dir, Map<String, byte[]> files) {
        files.forEach((path, bytes) -> {
            try {
                Path p = dir.resolve(path);
                Files.createDirectories(p.getParent());
                Files.write(p, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
