package com.example.thirdparty.net;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;

/** Stand-in for a bundled third-party library's accept-all verifier. Nothing uses it. */
public class LaxVerifier implements HostnameVerifier {
    @Override
    public boolean verify(String hostname, SSLSession session) {
        return true;
    }
}
