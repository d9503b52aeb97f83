package org.pinscan.sample.okhttp_varargs;

import android.app.Application;

/** Entry point named in the manifest; builds the pinned client. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        ApiClient.login(ApiClient.create());
    }
}
