// The app: pins the API's key and a backup key with react-native-ssl-public-key-pinning.
var _pinning = r(d[0]);
(0, _pinning.initializeSslPinning)({
  "api.pinscan-demo.example": {
    includeSubdomains: true,
    publicKeyHashes: [
      "r5gSG+2svWdFKY+tnmW0ph3JBeCI7EKWjAP68STiq7k=",
      "rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="
    ]
  }
}).then(function () {
  return fetch("https://api.pinscan-demo.example/v1/profile");
});
