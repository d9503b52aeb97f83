package org.pinscan.sample.webview_proceed;

import android.net.http.SslError;
import android.webkit.SslErrorHandler;
import android.webkit.WebView;
import android.webkit.WebViewClient;

/** Ignores TLS errors only when BuildConfig.DEBUG is set; cancels otherwise. */
final class DebugOnlyProceedingClient extends WebViewClient {
    @Override
    public void onReceivedSslError(WebView view, SslErrorHandler handler, SslError error) {
        if (BuildConfig.DEBUG) {
            handler.proceed();
        } else {
            handler.cancel();
        }
    }
}
