// A small stand-in for Metro's module system (metro-runtime's require polyfill): modules
// are registered with __d(factory, id, dependencies, path) and started with __r(id).
var __DEV__ = false, __BUNDLE_START_TIME__ = Date.now(), global = this;
(function (g) {
  var modules = Object.create(null);
  g.__d = function (factory, id, dependencies, path) {
    modules[id] = {factory: factory, dependencies: dependencies, exports: {}, done: false};
  };
  g.__r = function (id) {
    var module = modules[id];
    if (!module.done) {
      module.done = true;
      module.factory(g, g.__r, null, null, module, module.exports, module.dependencies);
    }
    return module.exports;
  };
})(global);
