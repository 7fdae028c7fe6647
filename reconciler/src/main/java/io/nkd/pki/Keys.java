package io.nkd.pki;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Facts about RSA and ECDSA keys that the JDK does not offer: the public half of a private key, whether a
 * pair belongs together, a short description, the signature algorithm a CA key signs with. Pure arithmetic,
 * no randomness, so checks stay deterministic (a sign-and-verify test would need a random).
 */
final class Keys {
    private Keys() {
    }

    /** The public key of {@code key}, computed (RSA: from the CRT fields; EC: d·G). */
    static PublicKey publicKeyOf(PrivateKey key) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof ECPrivateKey ec) {
                var spec = EC5Util.convertSpec(ec.getParams());
                var q = new FixedPointCombMultiplier().multiply(spec.getG(), ec.getS()).normalize();
                return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(EC5Util.convertPoint(q), ec.getParams()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the public key of a " + key.getAlgorithm() + " key", e);
        }
        throw new IllegalArgumentException("unsupported private key type " + key.getAlgorithm() + "; nkd handles RSA and ECDSA keys");
    }

    /** Whether {@code key} is the private half of {@code publicKey}. */
    static boolean matches(PublicKey publicKey, PrivateKey key) {
        PublicKey derived;
        try {
            derived = publicKeyOf(key);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (publicKey instanceof RSAPublicKey a && derived instanceof RSAPublicKey b) {
            return a.getModulus().equals(b.getModulus()) && a.getPublicExponent().equals(b.getPublicExponent());
        }
        if (publicKey instanceof ECPublicKey a && derived instanceof ECPublicKey b) {
            return a.getW().equals(b.getW()) && a.getParams().getCurve().equals(b.getParams().getCurve());
        }
        return false;
    }

    /** {@code ECDSA P-256}, {@code RSA 2048}. */
    static String describe(java.security.Key key) {
        if (key instanceof RSAKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return "ECDSA " + (bits == 521 ? "P-521" : "P-" + bits);
        }
        return key.getAlgorithm();
    }

    /** SHA-256 with RSA, or ECDSA with the hash that matches the curve (what Go's x509 picks too). */
    static String signatureAlgorithm(PrivateKey caKey) {
        if (caKey instanceof RSAKey) {
            return "SHA256withRSA";
        }
        if (caKey instanceof ECKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits <= 256 ? "SHA256withECDSA" : bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
        }
        throw new IllegalArgumentException("unsupported CA key type " + caKey.getAlgorithm() + "; nkd signs with RSA and ECDSA keys");
    }
}
