package org.pinscan.sample.okhttp_varargs;

import okhttp3.Call;
import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/** OkHttp pinning with literal hosts and pins, passed as varargs to a builder chain. */
final class ApiClient {
    static final String LOGIN_URL = "https://api.pinscan-demo.example/v1/login";

    private ApiClient() {
    }

    static OkHttpClient create() {
        CertificatePinner pinner = new CertificatePinner.Builder()
                .add("api.pinscan-demo.example",
                        "sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
                        "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng=")
                .add("*.cdn.pinscan-demo.example",
                        "sha256/r5gSG+2svWdFKY+tnmW0ph3JBeCI7EKWjAP68STiq7k=")
                .build();
        return new OkHttpClient.Builder()
                .certificatePinner(pinner)
                .build();
    }

    static Call login(OkHttpClient client) {
        Request request = new Request.Builder().url(LOGIN_URL).build();
        return client.newCall(request);
    }
}
