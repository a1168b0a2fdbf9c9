// Live dashboard: the server pushes the rendered status section over a websocket. While
// the socket is open, htmx polling pauses (window.kelmahOpsLive); when it closes, polling
// resumes and the script reconnects with a growing pause.
(function () {
  "use strict";
  var region = document.getElementById("ops-live");
  if (!region || !("WebSocket" in window)) { return; }
  var note = document.querySelector(".ops-live-note");
  var pause = 1000;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + region.dataset.socket);
    socket.onopen = function () {
      window.kelmahOpsLive = true;
      pause = 1000;
      if (note) { note.hidden = false; }
      document.getElementById("ops-connection").dataset.state = "live";
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (typeof data.html === "string") { region.innerHTML = data.html; }
    };
    socket.onclose = function () {
      window.kelmahOpsLive = false;
      if (note) { note.hidden = true; }
      document.getElementById("ops-connection").dataset.state = "polling";
      window.setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }
  connect();
})();
