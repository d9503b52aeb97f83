package org.pinscan.sample.trust_all;

import android.app.Application;

/** Entry point named in the manifest: installs the insecure defaults, then the safe client. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        try {
            InsecureTls.install();
            InsecureTls.legacyApacheFactory();
            InsecureTls.insecurePlatformFactory();
            SafeTls.connection("https://api.pinscan-demo.example/v1/login");
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
