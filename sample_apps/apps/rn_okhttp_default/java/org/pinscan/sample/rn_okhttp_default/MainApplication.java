package org.pinscan.sample.rn_okhttp_default;

import android.app.Application;

/** No OkHttpClientFactory: React Native's fetch uses its default OkHttpClient. */
public class MainApplication extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
    }
}
