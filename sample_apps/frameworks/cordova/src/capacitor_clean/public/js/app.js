// pinscan sample: plain fetch; CapacitorHttp sends it through the native HTTP client.
fetch('https://api.pinscan-demo.example/v1/status').then(function (r) { return r.json(); });
