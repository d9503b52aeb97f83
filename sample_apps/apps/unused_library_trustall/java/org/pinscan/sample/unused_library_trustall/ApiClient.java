package org.pinscan.sample.unused_library_trustall;

import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/** Plain OkHttp: no CertificatePinner, no custom TLS. The NSC's pins apply. */
final class ApiClient {
    static final String LOGIN_URL = "https://api.pinscan-demo.example/v1/login";

    private ApiClient() {
    }

    static OkHttpClient create() {
        return new OkHttpClient.Builder().build();
    }

    static Call login(OkHttpClient client) {
        return client.newCall(new Request.Builder().url(LOGIN_URL).build());
    }
}
