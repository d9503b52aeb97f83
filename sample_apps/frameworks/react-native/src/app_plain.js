// The app: plain fetch, no pinning library.
var API = "https://plain.pinscan-demo.example/v1";
fetch(API + "/items", {method: "GET", headers: {Accept: "application/json"}})
  .then(function (response) { return response.json(); });
var socket = new WebSocket("wss://live.pinscan-demo.example/feed");
