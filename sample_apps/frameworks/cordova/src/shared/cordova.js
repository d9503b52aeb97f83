// pinscan sample: a stand-in for Apache Cordova's cordova.js, written for these samples (the
// real runtime is not copied). It only defines what the sample apps call.
(function () {
    var plugins = {};
    function exec(success, failure, service, action, args) {
        // The real bridge calls the native plugin named `service`; the samples never run.
        return [service, action, args];
    }
    window.cordova = {
        version: "pinscan-sample",
        exec: exec,
        plugin: plugins,
        define: function (id, factory) { plugins[id] = factory; }
    };
    document.addEventListener("DOMContentLoaded", function () {
        document.dispatchEvent(new Event("deviceready"));
    });
})();
