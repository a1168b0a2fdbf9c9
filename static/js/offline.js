/* Offline support: register the service worker, queue writes made offline, replay them.
 *
 * A form marked data-offline-queue (send a message, apply for a job, save a draft) is sent
 * with fetch. When the network fails, the request is stored in IndexedDB with its
 * idempotency key and shown in the "waiting to be sent" list; it is replayed when the
 * connection returns. The server treats a replayed key as the same request, so a replay
 * that overlaps another (two tabs, a flaky network) never creates a second record.
 * Without JavaScript the forms post normally.
 */
(function () {
  "use strict";

  const DB_NAME = "kelmah-offline";
  const STORE = "outbox";
  const RETRY_MS = 15000;
  const userId = document.body.dataset.user || "";
  let replaying = false;
  let rejectedHere = [];

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, action) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  const outbox = {
    add: (item) => withStore("readwrite", (store) => store.put(item)),
    remove: (key) => withStore("readwrite", (store) => store.delete(key)),
    all: () => withStore("readonly", (store) => store.getAll()),
    clear: () => withStore("readwrite", (store) => store.clear()),
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function ensureKey(form) {
    let field = form.querySelector('input[name="idempotency_key"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "idempotency_key";
      form.appendChild(field);
    }
    if (!field.value) field.value = newKey();
    return field.value;
  }

  async function renderOutbox(pageLoad = false) {
    const panel = document.getElementById("offline-outbox");
    if (!panel) return;
    let items = (await outbox.all()).filter((item) => item.user === userId);
    // A rejected write stays listed until its form's page is loaded again, where the
    // person can fix and resend it. It leaves the outbox then but stays on that page view.
    if (pageLoad) {
      rejectedHere = items.filter((item) => item.error && item.page === location.pathname);
      await Promise.all(rejectedHere.map((item) => outbox.remove(item.key)));
    }
    const stored = new Set(items.map((item) => item.key));
    items = items.concat(rejectedHere.filter((item) => !stored.has(item.key)));
    const list = panel.querySelector("ul");
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.textContent = item.label + (item.error ? " — " + item.error : "");
      return li;
    }));
    panel.hidden = items.length === 0;
  }

  // Logging in again rotates the CSRF token, so a write queued before that is sent with
  // the token of the current page (every logged-in page has one in its logout form).
  function withCurrentCsrfToken(body) {
    const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!field) return body;
    return body.map(([name, value]) => [name, name === "csrfmiddlewaretoken" ? field.value : value]);
  }

  function isLoginPage(response) {
    return response.redirected && new URL(response.url).pathname.startsWith("/accounts/login/");
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST",
      body: new URLSearchParams(withCurrentCsrfToken(item.body)),
      headers: { "Idempotency-Key": item.key, "X-Requested-With": "offline-outbox" },
      credentials: "same-origin",
      redirect: "follow",
    });
  }

  async function replay() {
    if (replaying || !navigator.onLine) return;
    replaying = true;
    try {
      const items = (await outbox.all()).filter((item) => item.user === userId && !item.error);
      for (const item of items) {
        let response;
        try {
          response = await send(item);
        } catch (error) {
          break; // Still offline: keep everything and try again later.
        }
        if (isLoginPage(response) || response.status === 401 || response.status === 403) {
          // The session or its CSRF cookie is gone: keep everything until the person logs in again.
          // NOTE: a 403 from a role check is retried the same way, until logout clears the outbox.
          break;
        } else if (response.ok) {
          await outbox.remove(item.key);
        } else if (response.status === 409 || response.status >= 500) {
          continue; // In flight elsewhere or a server problem: retry later.
        } else {
          // Invalid or refused: resending cannot help, so keep it listed with the reason.
          item.error = document.body.dataset.offlineRejected || "rejected";
          await outbox.add(item);
        }
      }
    } finally {
      replaying = false;
      renderOutbox();
    }
  }

  async function submitQueued(event) {
    const form = event.target;
    if (!form.matches("form[data-offline-queue]") || (form.method || "").toLowerCase() !== "post") return;
    const key = ensureKey(form);
    // Passing the submitter keeps which button was pressed ("continue" or "save as draft").
    const formData = event.submitter ? new FormData(form, event.submitter) : new FormData(form);
    const body = Array.from(formData.entries()).filter(([, value]) => typeof value === "string");
    event.preventDefault();
    try {
      const response = await send({ url: form.action || location.href, body, key });
      if (response.redirected) {
        location.assign(response.url);
      } else {
        document.open();
        document.write(await response.text());
        document.close();
      }
    } catch (error) {
      await outbox.add({ key, url: form.action || location.href, body, user: userId, page: location.pathname,
                         label: form.dataset.offlineQueue || form.action, createdAt: Date.now() });
      form.reset();
      form.querySelector('input[name="idempotency_key"]').value = "";
      renderOutbox();
    }
  }

  function purgeOnLogout(event) {
    if (!event.target.matches("form[data-logout]")) return;
    outbox.clear();
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "purge" });
    }
  }

  function showConnection() {
    const banner = document.getElementById("connection-status");
    if (!banner) return;
    banner.hidden = navigator.onLine;
    banner.textContent = navigator.onLine ? "" : banner.dataset.offlineText;
  }

  document.addEventListener("submit", purgeOnLogout, true);
  document.addEventListener("submit", submitQueued);
  window.addEventListener("online", () => { showConnection(); replay(); });
  window.addEventListener("offline", showConnection);
  document.addEventListener("DOMContentLoaded", () => { showConnection(); renderOutbox(true); replay(); });
  setInterval(replay, RETRY_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }

  window.kelmahOutbox = { replay, all: outbox.all, render: () => renderOutbox() };
})();
