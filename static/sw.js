/* Kelmah service worker.
 *
 * Public pages: network first with a timeout, then the cached copy, then the offline page.
 * Private pages (any response marked Cache-Control: private or no-store, which the server
 * sends to every logged-in user) are never stored, so one person's data can never be shown
 * to the next person on a shared phone. Static files: cache first.
 * Writes are not handled here: static/js/offline.js queues them in IndexedDB.
 */
const VERSION = "kelmah-v1";
const SHELL_CACHE = `${VERSION}-shell`;
const PAGE_CACHE = `${VERSION}-pages`;
const NETWORK_TIMEOUT_MS = 4000;
const SHELL = [
  "/offline/",
  "/static/css/site.css",
  "/static/js/vendor/htmx-2.0.11.min.js",
  "/static/js/offline.js",
  "/static/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  // Without cookies: a worker installed while someone is logged in must still store the
  // anonymous offline page, never that person's copy of it.
  const requests = SHELL.map((url) => new Request(url, { credentials: "omit" }));
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => !key.startsWith(VERSION)).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "purge") {
    // Sent at logout: drop every cached page, keep only the anonymous app shell.
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

function isCacheable(response) {
  if (!response || !response.ok || response.type !== "basic") return false;
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !control.includes("private") && !control.includes("no-store");
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    // waitUntil keeps the worker alive until the copy is stored (or an old one dropped).
    if (isCacheable(response)) {
      event.waitUntil(cache.put(request, response.clone()));
    } else {
      event.waitUntil(cache.delete(request));
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    const offline = await caches.match("/offline/");
    return offline || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (isCacheable(response)) {
    const cache = await caches.open(SHELL_CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/") || url.pathname.startsWith("/admin/")
      || url.pathname.startsWith("/health/") || url.pathname.startsWith("/ops/")) {
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" || (request.headers.get("Accept") || "").includes("text/html")) {
    event.respondWith(networkFirst(event));
  }
});
