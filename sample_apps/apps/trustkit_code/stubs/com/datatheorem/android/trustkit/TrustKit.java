package com.datatheorem.android.trustkit;

import android.content.Context;

import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Compile-time stand-in with the signatures of TrustKit-Android's TrustKit class (the
 * library is not packaged in Debian). Only on javac's classpath: it is not in the APK,
 * so the APK references TrustKit the way an app that bundles the real library does.
 */
public class TrustKit {
    protected TrustKit() {
    }

    public static TrustKit initializeWithNetworkSecurityConfiguration(Context context) {
        throw new UnsupportedOperationException("stub");
    }

    public static TrustKit getInstance() {
        throw new UnsupportedOperationException("stub");
    }

    public SSLSocketFactory getSSLSocketFactory(String serverHostname) {
        throw new UnsupportedOperationException("stub");
    }

    public X509TrustManager getTrustManager(String serverHostname) {
        throw new UnsupportedOperationException("stub");
    }
}
