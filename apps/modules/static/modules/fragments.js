/* Retry lazy fragments that failed to load, then show their final state.
 *
 * A placeholder (.fragment-lazy) asks htmx for /fragments/<module>/<name>/ on load. When
 * the request fails (network error, timeout, 5xx), it is retried up to MAX_ATTEMPTS times
 * with exponential backoff and jitter, because on patchy mobile data a second try often
 * works. A response marked X-Fragment-Final (maintenance) is shown at once. After the
 * last attempt the placeholder shows the server's degraded partial when there is one, or
 * a short "temporarily unavailable" note, and keeps its plain link.
 */
(function () {
  "use strict";

  var MAX_ATTEMPTS = 4;
  var BASE_DELAY_MS = 1000;

  function placeholderOf(event) {
    var element = event.detail && event.detail.elt;
    return element && element.classList && element.classList.contains("fragment-lazy") ? element : null;
  }

  function showFinalState(element, xhr) {
    if (xhr && xhr.status === 503 && xhr.responseText) {
      element.outerHTML = xhr.responseText;
      return;
    }
    var note = document.createElement("p");
    note.className = "degraded";
    note.setAttribute("role", "status");
    note.textContent = element.dataset.unavailable || "";
    element.removeAttribute("hx-get");
    element.insertBefore(note, element.firstChild);
    element.dataset.state = "failed";
  }

  function retryOrGiveUp(event) {
    var element = placeholderOf(event);
    if (!element) {
      return;
    }
    var xhr = event.detail.xhr;
    var attempts = Number(element.dataset.attempts || "1");
    var isFinal = xhr && xhr.getResponseHeader && xhr.getResponseHeader("X-Fragment-Final") === "1";
    var isClientError = xhr && xhr.status >= 400 && xhr.status < 500;
    if (isFinal || isClientError || attempts >= MAX_ATTEMPTS) {
      showFinalState(element, xhr);
      return;
    }
    element.dataset.attempts = String(attempts + 1);
    var ceiling = BASE_DELAY_MS * Math.pow(2, attempts - 1);
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    window.setTimeout(function () {
      window.htmx.ajax("GET", element.dataset.fragmentUrl, { source: element, target: element, swap: "outerHTML" });
    }, delay);
  }

  document.addEventListener("htmx:responseError", retryOrGiveUp);
  document.addEventListener("htmx:sendError", retryOrGiveUp);
  document.addEventListener("htmx:timeout", retryOrGiveUp);
})();
