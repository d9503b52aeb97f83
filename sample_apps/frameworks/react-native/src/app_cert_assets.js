// The app: react-native-ssl-pinning, once pinned to the certificate asset
// assets/pinscan_leaf.cer, once with public-key pinning and sha256/ pins.
var _sslPinning = r(d[0]);
(0, _sslPinning.fetch)("https://cert.pinscan-demo.example/v1/items", {
  method: "GET",
  timeoutInterval: 10000,
  sslPinning: {certs: ["pinscan_leaf"]},
  headers: {Accept: "application/json", "X-Client": `pinscan-${Date.now()}`}
});
(0, _sslPinning.fetch)("https://keys.pinscan-demo.example/v1/keys", {
  method: "POST",
  pkPinning: true,
  sslPinning: {certs: ["sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
                       "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="]},
  body: JSON.stringify({a: 1})
});
