package org.pinscan.sample.trust_all;

import java.io.IOException;
import java.net.URL;
import java.security.GeneralSecurityException;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** One connection whose socket factory uses the delegating (safe) trust manager. */
final class SafeTls {
    private SafeTls() {
    }

    static HttpsURLConnection connection(String url)
            throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] { new DelegatingTrustManager() }, null);
        HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
        connection.setSSLSocketFactory(context.getSocketFactory());
        return connection;
    }
}
