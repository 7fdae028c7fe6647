package io.nkd.server;

import java.io.IOException;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** A bare TLS handshake with the server, offering chosen protocols and (optionally) one cipher suite. */
final class Tls {
    private Tls() {
    }

    static SSLSession handshake(ServerFixture fx, String[] protocols, String onlySuite) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", fx.identity.trustedCas().get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), ServerFixture.seeded(3));
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(fx.server.address().getAddress(), fx.server.address().getPort())) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(protocols);
            if (onlySuite != null) {
                s.setEnabledCipherSuites(List.of(onlySuite).toArray(String[]::new));
            }
            s.startHandshake();
            SSLSession session = s.getSession();
            if (!session.isValid()) {
                throw new IOException("handshake failed");
            }
            return session;
        }
    }
}
