// The app: react-native-ssl-pinning told to accept every certificate.
var _sslPinning = r(d[0]);
(0, _sslPinning.fetch)("https://insecure.pinscan-demo.example/v1/", {
  method: "GET",
  disableAllSecurity: true,
  sslPinning: {certs: ["pinscan_leaf"]}
});
