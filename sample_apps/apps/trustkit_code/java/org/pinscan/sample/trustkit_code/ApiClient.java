package org.pinscan.sample.trustkit_code;

import com.datatheorem.android.trustkit.TrustKit;

import java.io.IOException;
import java.net.URL;

import javax.net.ssl.HttpsURLConnection;

import okhttp3.OkHttpClient;

/** TrustKit's socket factory and trust manager for api.pinscan-demo.example. */
final class ApiClient {
    static final String HOST = "api.pinscan-demo.example";

    private ApiClient() {
    }

    static HttpsURLConnection connection() throws IOException {
        URL url = new URL("https://" + HOST + "/v1/login");
        HttpsURLConnection connection = (HttpsURLConnection) url.openConnection();
        connection.setSSLSocketFactory(TrustKit.getInstance().getSSLSocketFactory(HOST));
        return connection;
    }

    static OkHttpClient okHttp() {
        return new OkHttpClient.Builder()
                .sslSocketFactory(TrustKit.getInstance().getSSLSocketFactory(HOST),
                        TrustKit.getInstance().getTrustManager(HOST))
                .build();
    }
}
