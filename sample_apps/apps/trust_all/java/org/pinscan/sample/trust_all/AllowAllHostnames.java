package org.pinscan.sample.trust_all;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;

/** Accepts any host name. */
final class AllowAllHostnames implements HostnameVerifier {
    @Override
    public boolean verify(String hostname, SSLSession session) {
        return true;
    }
}
