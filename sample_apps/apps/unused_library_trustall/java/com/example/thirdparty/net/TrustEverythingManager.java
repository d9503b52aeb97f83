package com.example.thirdparty.net;

import java.security.cert.X509Certificate;

import javax.net.ssl.X509TrustManager;

/** Stand-in for a bundled third-party library's trust-all manager. Nothing uses it. */
public class TrustEverythingManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
