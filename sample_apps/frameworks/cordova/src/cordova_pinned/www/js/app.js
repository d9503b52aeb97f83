// pinscan sample: pins cordova-plugin-advanced-http to the certificates in www/certificates.
document.addEventListener('deviceready', function () {
    cordova.plugin.http.setServerTrustMode('pinned', function () {
        cordova.plugin.http.get('https://api.pinscan-demo.example/v1/account', {}, {},
            function (response) { console.log(response.status); },
            function (response) { console.error(response.error); });
    }, function () {
        console.error('pinning could not be enabled');
    });
}, false);
