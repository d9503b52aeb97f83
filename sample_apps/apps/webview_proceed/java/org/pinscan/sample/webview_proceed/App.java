package org.pinscan.sample.webview_proceed;

import android.app.Application;
import android.webkit.WebViewClient;

/** Entry point named in the manifest; creates one client of each kind. */
public class App extends Application {
    static WebViewClient[] clients;

    @Override
    public void onCreate() {
        super.onCreate();
        clients = new WebViewClient[] {
            new ProceedingClient(), new DebugOnlyProceedingClient(), new CancellingClient(),
        };
    }
}
