// Stand-in for the react-native package: only what the pinning libraries touch.
e.NativeModules = global.nativeModuleProxy || {};
e.Platform = {OS: "android", select: function (o) { return o.android || o.default; }};
e.TurboModuleRegistry = {get: function (name) { return null; }};
