// pinscan sample: the system's CAs ('legacy'), and a mode chosen at run time.
var trustMode = window.localStorage.getItem('trustMode') || 'default';
document.addEventListener('deviceready', function () {
    window.cordova.plugin.http.setServerTrustMode('legacy', function () {}, function () {});
    cordova.plugin.http.setServerTrustMode(trustMode, function () {}, function () {});
    cordova.plugin.http.sendRequest('http://legacy.pinscan-demo.example/feed', { method: 'get' },
        function () {}, function () {});
}, false);
