// pinscan sample (iOS): pinned mode, and a check of the certificate's fingerprint.
document.addEventListener('deviceready', function () {
    cordova.plugin.http.setServerTrustMode('pinned', function () {}, function () {});
    window.plugins.sslCertificateChecker.check(function () {}, function () {},
        'https://api.pinscan-demo.example',
        'FINGERPRINT_OF_LEAF');
}, false);
