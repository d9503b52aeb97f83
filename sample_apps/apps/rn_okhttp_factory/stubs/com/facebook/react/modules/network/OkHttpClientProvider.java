package com.facebook.react.modules.network;

import okhttp3.OkHttpClient;

/** Stand-in for React Native's provider of the OkHttpClient behind fetch: classpath only. */
public final class OkHttpClientProvider {
    private OkHttpClientProvider() {
    }

    public static void setOkHttpClientFactory(OkHttpClientFactory factory) {
    }

    public static OkHttpClient.Builder createClientBuilder() {
        return new OkHttpClient.Builder();
    }
}
