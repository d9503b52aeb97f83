// pinscan sample: a Capacitor app developed against a live-reload server.
fetch('https://api.pinscan-demo.example/v1/status').then(function (r) { return r.json(); });
