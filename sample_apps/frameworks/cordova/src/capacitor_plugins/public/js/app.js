// pinscan sample: CapacitorHttp requests, pinned by the SSLPinning plugin's configuration.
fetch('https://api.pinscan-demo.example/v1/status').then(function (r) { return r.json(); });
