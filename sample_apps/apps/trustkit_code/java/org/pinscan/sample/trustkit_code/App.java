package org.pinscan.sample.trustkit_code;

import android.app.Application;

import com.datatheorem.android.trustkit.TrustKit;

/** Entry point named in the manifest: TrustKit reads the NSC, then the clients use it. */
public class App extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        TrustKit.initializeWithNetworkSecurityConfiguration(this);
        try {
            ApiClient.connection();
            ApiClient.okHttp();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
