package org.pinscan.sample.own_truststore;

import android.content.Context;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import okhttp3.OkHttpClient;

/** Trusts only the app's own CA: from res/raw (PEM) or from a BKS store in assets. */
final class OwnTrustStore {
    private OwnTrustStore() {
    }

    /** Shape 1: an in-memory KeyStore holding R.raw.pinscan_root, used by OkHttp. */
    static OkHttpClient clientFromRawResource(Context context)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        InputStream in = context.getResources().openRawResource(R.raw.pinscan_root);
        Certificate ca;
        try {
            ca = cf.generateCertificate(in);
        } finally {
            in.close();
        }
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return new OkHttpClient.Builder()
                .sslSocketFactory(ctx.getSocketFactory(),
                        (X509TrustManager) tmf.getTrustManagers()[0])
                .build();
    }

    /** Shape 2: a BKS store from assets/stores/truststore.bks, used by HttpsURLConnection. */
    static HttpsURLConnection connectionFromBks(Context context, String url)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("BKS");
        InputStream in = context.getAssets().open("stores/truststore.bks");
        try {
            ks.load(in, "changeit".toCharArray());
        } finally {
            in.close();
        }
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
        connection.setSSLSocketFactory(ctx.getSocketFactory());
        return connection;
    }
}
