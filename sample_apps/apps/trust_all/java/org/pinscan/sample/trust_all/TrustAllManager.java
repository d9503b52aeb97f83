package org.pinscan.sample.trust_all;

import java.security.cert.X509Certificate;

import javax.net.ssl.X509TrustManager;

/** Trusts every certificate chain: both checks are empty. */
final class TrustAllManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return null;
    }
}
