// The public API of react-native-ssl-pinning: fetch(url, options) hands the request and its
// sslPinning/pkPinning/disableAllSecurity options to the native module RNSslPinning.
Object.defineProperty(e, "__esModule", {value: true});
e.fetch = void 0;
var _reactNative = r(d[0]);
var RNSslPinning = _reactNative.NativeModules.RNSslPinning;
var fetch = function (url, obj, callback) {
  return new Promise(function (resolve, reject) {
    RNSslPinning.fetch(url, obj, function (err, res) {
      if (err) { reject(err); } else { resolve(res); }
    });
  });
};
e.fetch = fetch;
