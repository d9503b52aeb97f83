package org.pinscan.sample.rn_okhttp_factory;

import android.app.Application;
import com.facebook.react.modules.network.OkHttpClientProvider;

/** React Native's fetch gets its OkHttpClient from the factory installed here. */
public class MainApplication extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        OkHttpClientProvider.setOkHttpClientFactory(new PinnedClientFactory());
    }
}
