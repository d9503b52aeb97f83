package org.pinscan.sample.okhttp_constants;

import android.app.Application;

/** Entry point named in the manifest. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        ApiClient.create();
    }
}
