package org.pinscan.sample.rn_okhttp_factory;

import com.facebook.react.modules.network.OkHttpClientFactory;
import com.facebook.react.modules.network.OkHttpClientProvider;
import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;

/** The client behind fetch, XMLHttpRequest and WebSocket: pinned with a backup pin. */
final class PinnedClientFactory implements OkHttpClientFactory {
    @Override
    public OkHttpClient createNewNetworkModuleClient() {
        CertificatePinner pinner = new CertificatePinner.Builder()
                .add("api.pinscan-demo.example",
                        "sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
                        "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng=")
                .build();
        return OkHttpClientProvider.createClientBuilder()
                .certificatePinner(pinner)
                .build();
    }
}
