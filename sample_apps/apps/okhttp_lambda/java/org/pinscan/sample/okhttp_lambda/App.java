package org.pinscan.sample.okhttp_lambda;

import android.app.Application;

/** Entry point named in the manifest. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        ApiClient.create();
    }
}
