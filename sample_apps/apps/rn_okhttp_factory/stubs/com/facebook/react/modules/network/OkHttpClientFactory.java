package com.facebook.react.modules.network;

import okhttp3.OkHttpClient;

/** Stand-in for React Native's interface: on the classpath only, never dexed. */
public interface OkHttpClientFactory {
    OkHttpClient createNewNetworkModuleClient();
}
