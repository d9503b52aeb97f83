package org.pinscan.sample.okhttp_lambda;

import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;

/** Applies the lambda to a new builder, then adds a SHA-1 pin and a malformed pin. */
final class ApiClient {
    private ApiClient() {
    }

    static OkHttpClient create() {
        CertificatePinner.Builder builder = new CertificatePinner.Builder();
        new ApiClient$pinner$1().invoke(builder);
        // SHA-1 of the leaf's SubjectPublicKeyInfo (OkHttp 3 still accepts sha1/ pins).
        builder.add("old.pinscan-demo.example", "sha1/WTp7Kl2z9pWg+DmiYnvzlvN2qOM=");
        // Not base64: OkHttp throws IllegalArgumentException here at run time.
        builder.add("bad.pinscan-demo.example", "sha256/notbase64!");
        return new OkHttpClient.Builder().certificatePinner(builder.build()).build();
    }
}
