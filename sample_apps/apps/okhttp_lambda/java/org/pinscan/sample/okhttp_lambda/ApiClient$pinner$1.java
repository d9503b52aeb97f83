package org.pinscan.sample.okhttp_lambda;

import okhttp3.CertificatePinner;

/**
 * The shape kotlinc gives a lambda such as
 * {@code val pinner: CertificatePinner.Builder.() -> Unit = { add(...) }} in ApiClient:
 * a class named ApiClient$pinner$1 whose erased invoke(Object) casts its argument and
 * calls add(). Written in Java, so it is a top-level class with '$' in its name.
 */
final class ApiClient$pinner$1 {
    public final Object invoke(Object builder) {
        CertificatePinner.Builder pins = (CertificatePinner.Builder) builder;
        pins.add("api.pinscan-demo.example",
                "sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
                "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng=");
        return pins;
    }
}
