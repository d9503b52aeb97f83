package org.pinscan.sample.webview_proceed;

/**
 * Like a generated BuildConfig. DEBUG is read at run time (it is not a compile-time
 * constant), so javac keeps both branches that test it. It is false.
 */
public final class BuildConfig {
    public static final boolean DEBUG = Boolean.parseBoolean("false");

    private BuildConfig() {
    }
}
