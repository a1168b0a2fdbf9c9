/*
 * Live messaging for the conversation page (progressive enhancement: the page works
 * without this file through a plain form POST, and with htmx alone through polling).
 *
 * - Connects /ws/messages/<id>/?last_seen=<newest id>; the server replays what was missed.
 * - Reconnects with exponential backoff and full jitter; while disconnected the htmx poller
 *   fetches "messages after id N" and the page shows that live updates are paused.
 * - Sends over the socket optimistically with a client_id; a send without an ack falls back
 *   to the HTTP API with the same client_id, which the server stores at most once. Without
 *   the socket the form is left to the offline queue (or to a plain POST).
 * - De-duplicates by message id and client_id, whichever path a message arrives by.
 */
(function () {
  "use strict";

  var thread = document.getElementById("thread");
  if (!thread) {
    return;
  }

  var list = document.getElementById("message-list");
  var form = document.getElementById("message-form");
  var textarea = document.getElementById("id_body");
  var fileInput = document.getElementById("id_attachment");
  var statusEl = document.getElementById("live-status");
  var typingEl = document.getElementById("typing-indicator");
  var sendError = document.getElementById("send-error");
  var text = thread.dataset;

  var userId = Number(text.userId);
  var newestId = Number(text.newestId) || 0;
  var otherLastRead = Number(text.otherLastRead) || 0;
  var olderPage = text.olderPage === "true";

  var ACK_TIMEOUT_MS = 8000;
  var MAX_BACKOFF_MS = 30000;
  var TYPING_SEND_MS = 2000;
  var TYPING_SHOW_MS = 4000;

  var socket = null;
  var live = false;
  var attempts = 0;
  var stopped = false;
  var lastTypingSent = 0;
  var typingTimer = null;
  var pending = {};

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function csrfToken() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Rendering -------------------------------------------------------------------------

  function formatTime(iso) {
    var date = new Date(iso);
    return date.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function buildItem(message) {
    var mine = message.sender.id === userId;
    var li = document.createElement("li");
    li.className = "message" + (mine ? " mine" : "");
    li.id = "message-" + message.id;
    li.dataset.messageId = String(message.id);
    if (mine && message.client_id) {
      li.dataset.clientId = message.client_id;
    }
    var meta = document.createElement("p");
    meta.className = "message-meta";
    var who = document.createElement("strong");
    who.textContent = message.sender.name;
    var when = document.createElement("time");
    when.dateTime = message.created_at;
    when.textContent = formatTime(message.created_at);
    meta.append(who, " ", when);
    li.appendChild(meta);
    if (message.body) {
      var body = document.createElement("p");
      body.className = "message-body";
      body.style.whiteSpace = "pre-wrap";
      body.textContent = message.body;
      li.appendChild(body);
    }
    if (message.attachment) {
      var link = document.createElement("a");
      link.href = message.attachment.url;
      if (message.attachment.type.indexOf("image/") === 0) {
        var img = document.createElement("img");
        img.src = message.attachment.url;
        img.alt = message.attachment.name;
        img.loading = "lazy";
        img.className = "message-image";
        link.appendChild(img);
      } else {
        link.className = "message-file";
        link.textContent = message.attachment.name;
      }
      li.appendChild(link);
    }
    if (mine) {
      var status = document.createElement("p");
      status.className = "message-status muted";
      status.dataset.status = "";
      status.textContent = message.id <= otherLastRead ? text.textSeen : text.textSent;
      li.appendChild(status);
    }
    return li;
  }

  function insertInOrder(li, id) {
    var items = list.querySelectorAll("li[data-message-id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.messageId) < id) {
        items[i].after(li);
        return;
      }
    }
    var firstPending = list.querySelector("li.pending");
    if (items.length === 0 && firstPending) {
      list.insertBefore(li, firstPending);
    } else if (items.length === 0) {
      list.appendChild(li);
    } else {
      list.insertBefore(li, items[0]);
    }
  }

  function insertMessage(message) {
    var placeholder = document.getElementById("no-messages");
    if (placeholder) {
      placeholder.remove();
    }
    if (message.client_id && pending[message.client_id]) {
      pending[message.client_id].element.remove();
      clearTimeout(pending[message.client_id].timer);
      delete pending[message.client_id];
    }
    if (document.getElementById("message-" + message.id)) {
      return false;
    }
    if (olderPage) {
      return false;
    }
    insertInOrder(buildItem(message), message.id);
    newestId = Math.max(newestId, message.id);
    return true;
  }

  function updateTicks() {
    list.querySelectorAll("li.mine[data-message-id]").forEach(function (li) {
      var status = li.querySelector("[data-status]");
      if (status) {
        status.textContent = Number(li.dataset.messageId) <= otherLastRead ? text.textSeen : text.textSent;
      }
    });
  }

  // Drop copies left by a poll that raced a live message, and pending items now stored.
  function dedupe() {
    var seen = {};
    list.querySelectorAll("li[data-message-id]").forEach(function (li) {
      var id = li.dataset.messageId;
      if (seen[id]) {
        li.remove();
        return;
      }
      seen[id] = true;
      newestId = Math.max(newestId, Number(id));
      var clientId = li.dataset.clientId;
      if (clientId && pending[clientId]) {
        pending[clientId].element.remove();
        clearTimeout(pending[clientId].timer);
        delete pending[clientId];
      }
    });
  }

  function showStatus(kind) {
    if (!statusEl) {
      return;
    }
    if (kind === "live") {
      statusEl.hidden = true;
      return;
    }
    statusEl.textContent = kind === "connecting" ? statusEl.dataset.connectingText : statusEl.dataset.pausedText;
    statusEl.hidden = false;
  }

  // Sending ---------------------------------------------------------------------------

  function addPending(clientId, body) {
    var li = document.createElement("li");
    li.className = "message mine pending";
    li.dataset.pendingClientId = clientId;
    var p = document.createElement("p");
    p.className = "message-body";
    p.style.whiteSpace = "pre-wrap";
    p.textContent = body;
    var status = document.createElement("p");
    status.className = "message-status muted";
    status.textContent = text.textSending;
    li.append(p, status);
    list.appendChild(li);
    pending[clientId] = { element: li, body: body, timer: null };
  }

  function markFailed(clientId, reason) {
    var entry = pending[clientId];
    if (!entry) {
      return;
    }
    var status = entry.element.querySelector(".message-status");
    status.textContent = (reason || text.textFailed) + " ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button secondary small";
    retry.textContent = text.textRetry;
    retry.addEventListener("click", function () {
      status.textContent = text.textSending;
      send(clientId, entry.body);
    });
    status.appendChild(retry);
  }

  function sendOverHttp(clientId, body) {
    fetch(text.sendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "Idempotency-Key": clientId
      },
      body: JSON.stringify({ body: body, client_id: clientId })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        insertMessage(result.data);
        updateTicks();
      } else {
        markFailed(clientId, result.data && result.data.error && result.data.error.message);
      }
    }).catch(function () {
      markFailed(clientId, null);
    });
  }

  function send(clientId, body) {
    if (live && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message.send", body: body, client_id: clientId }));
      pending[clientId].timer = setTimeout(function () {
        if (pending[clientId]) {
          sendOverHttp(clientId, body);
        }
      }, ACK_TIMEOUT_MS);
      return;
    }
    sendOverHttp(clientId, body);
  }

  if (form && textarea && !olderPage) {
    form.addEventListener("submit", function (event) {
      if (fileInput && fileInput.files && fileInput.files.length) {
        // Attachments go through the normal multipart POST; the offline queue keeps text only.
        event.stopPropagation();
        return;
      }
      if (!live && window.kelmahOutbox) {
        // Without the socket, the offline queue (static/js/offline.js) posts the form with its
        // idempotency key, or keeps it until the connection returns.
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      var body = textarea.value.trim();
      if (!body) {
        sendError.textContent = text.textEmpty;
        sendError.hidden = false;
        return;
      }
      sendError.hidden = true;
      var clientId = newClientId();
      addPending(clientId, body);
      textarea.value = "";
      send(clientId, body);
    });

    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (live && socket && now - lastTypingSent > TYPING_SEND_MS) {
        lastTypingSent = now;
        socket.send(JSON.stringify({ type: "typing" }));
      }
    });
  }

  // Live connection ---------------------------------------------------------------------

  function markRead() {
    if (live && socket && document.visibilityState === "visible" && newestId) {
      socket.send(JSON.stringify({ type: "read", message_id: newestId }));
    }
  }

  var handlers = {
    "message.new": function (data) {
      if (insertMessage(data.message) && data.message.sender.id !== userId) {
        markRead();
      }
    },
    "message.ack": function (data) {
      insertMessage(data.message);
      updateTicks();
    },
    "read": function (data) {
      if (data.user_id !== userId) {
        otherLastRead = Math.max(otherLastRead, data.last_read_message_id);
        updateTicks();
      }
    },
    "typing": function (data) {
      typingEl.textContent = text.textTyping.replace("%(name)s", data.name);
      typingEl.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingEl.hidden = true; }, TYPING_SHOW_MS);
    },
    "resync": function () {
      // Too far behind to replay: the server-rendered thread is the quickest catch-up.
      location.reload();
    },
    "ping": function () {
      socket.send(JSON.stringify({ type: "pong" }));
    },
    "error": function (data) {
      if (data.client_id && pending[data.client_id]) {
        clearTimeout(pending[data.client_id].timer);
        markFailed(data.client_id, data.message);
      } else if (sendError) {
        sendError.textContent = data.message;
        sendError.hidden = false;
      }
    }
  };

  function scheduleReconnect() {
    attempts += 1;
    var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempts - 1));
    setTimeout(connect, 500 + Math.random() * ceiling);
  }

  function connect() {
    if (stopped) {
      return;
    }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + text.wsPath + "?last_seen=" + newestId);
    } catch (error) {
      showStatus("paused");
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      attempts = 0;
      live = true;
      showStatus("live");
      markRead();
    });
    socket.addEventListener("message", function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      var handler = handlers[data.type];
      if (handler) {
        handler(data);
      }
    });
    socket.addEventListener("close", function (event) {
      live = false;
      socket = null;
      showStatus("paused");
      // 4401: logged out; 4404: no longer a participant. Polling shows what the server allows.
      if (event.code === 4401 || event.code === 4404) {
        stopped = true;
        return;
      }
      scheduleReconnect();
    });
  }

  // Polling while not live ---------------------------------------------------------------

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "thread-poller" && live) {
      event.preventDefault();
    }
  });
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "thread-poller") {
      event.detail.parameters.after = String(newestId);
    }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    dedupe();
    var poller = document.getElementById("thread-poller");
    if (poller) {
      otherLastRead = Math.max(otherLastRead, Number(poller.dataset.otherLastRead) || 0);
    }
    updateTicks();
  });

  document.addEventListener("visibilitychange", markRead);

  if (olderPage) {
    // An older page shows history only; the newest page is the live one.
  } else if (!("WebSocket" in window)) {
    showStatus("paused");
  } else {
    showStatus("connecting");
    connect();
  }

  window.KelmahMessaging = {
    isLive: function () { return live; },
    newestId: function () { return newestId; }
  };
})();
