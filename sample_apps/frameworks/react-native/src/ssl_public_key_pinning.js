// The public API of react-native-ssl-public-key-pinning as its compiled module exposes it:
// initializeSslPinning(options) hands {domain: {includeSubdomains, publicKeyHashes,
// expirationDate}} to the native module SslPublicKeyPinning (OkHttp CertificatePinner on
// Android, TrustKit on iOS).
Object.defineProperty(e, "__esModule", {value: true});
e.initializeSslPinning = initializeSslPinning;
e.disableSslPinning = disableSslPinning;
var _reactNative = r(d[0]);
var SslPublicKeyPinning = _reactNative.NativeModules.SslPublicKeyPinning;
function initializeSslPinning(options) {
  return SslPublicKeyPinning.initialize(options);
}
function disableSslPinning() {
  return SslPublicKeyPinning.disable();
}
