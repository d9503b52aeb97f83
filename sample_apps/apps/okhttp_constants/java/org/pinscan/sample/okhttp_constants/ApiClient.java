package org.pinscan.sample.okhttp_constants;

import android.util.Log;

import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;

/** Builds the pinner from PinConfig's fields. */
final class ApiClient {
    private static final String TAG = "ApiClient";

    private ApiClient() {
    }

    static OkHttpClient create() {
        CertificatePinner.Builder builder = new CertificatePinner.Builder();
        builder.add(PinConfig.HOST, PinConfig.PRIMARY, PinConfig.BACKUPS[0]);
        builder.add("legacy.pinscan-demo.example", PinConfig.BACKUPS);
        Log.d(TAG, PinConfig.UNUSED_PIN);
        return new OkHttpClient.Builder().certificatePinner(builder.build()).build();
    }
}
