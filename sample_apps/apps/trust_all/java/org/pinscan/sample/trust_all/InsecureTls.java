package org.pinscan.sample.trust_all;

import android.net.SSLCertificateSocketFactory;

import java.security.GeneralSecurityException;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** Turns off certificate and host name checks, process-wide and per factory. */
final class InsecureTls {
    private InsecureTls() {
    }

    /** Every HttpsURLConnection from now on trusts any chain for any host name. */
    static void install() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] { new TrustAllManager() }, null);
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
        HttpsURLConnection.setDefaultHostnameVerifier(new AllowAllHostnames());
    }

    /** Apache HttpClient (org.apache.http.legacy) factory with host name checks off. */
    @SuppressWarnings("deprecation")
    static org.apache.http.conn.ssl.SSLSocketFactory legacyApacheFactory() {
        org.apache.http.conn.ssl.SSLSocketFactory factory =
                org.apache.http.conn.ssl.SSLSocketFactory.getSocketFactory();
        factory.setHostnameVerifier(
                org.apache.http.conn.ssl.SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER);
        return factory;
    }

    /** The platform's own socket factory without any certificate checks. */
    static javax.net.ssl.SSLSocketFactory insecurePlatformFactory() {
        return SSLCertificateSocketFactory.getInsecure(0, null);
    }
}
