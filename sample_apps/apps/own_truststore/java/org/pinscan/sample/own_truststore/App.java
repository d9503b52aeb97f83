package org.pinscan.sample.own_truststore;

import android.app.Application;

/** Entry point named in the manifest. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        try {
            OwnTrustStore.clientFromRawResource(this);
            OwnTrustStore.connectionFromBks(this, "https://partner.pinscan-demo.example/");
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
