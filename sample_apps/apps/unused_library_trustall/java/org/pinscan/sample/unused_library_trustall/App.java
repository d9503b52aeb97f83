package org.pinscan.sample.unused_library_trustall;

import android.app.Application;

/** Entry point named in the manifest. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        ApiClient.login(ApiClient.create());
    }
}
