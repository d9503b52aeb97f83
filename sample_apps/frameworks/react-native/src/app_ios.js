// The iOS app: react-native-ssl-pinning pinned to pinscan_leaf.cer at the app's root.
var _sslPinning = r(d[0]);
(0, _sslPinning.fetch)("https://ios.pinscan-demo.example/v1/session", {
  method: "GET",
  sslPinning: {certs: ["pinscan_leaf"]}
});
