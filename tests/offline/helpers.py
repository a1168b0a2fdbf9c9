"""Browser steps shared by the offline tests."""

from playwright.sync_api import Error as PlaywrightError

# Every entry of every Cache Storage cache of the origin, with its headers and body.
READ_CACHES_JS = """
async () => {
  const entries = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      entries.push({
        cache: name,
        url: new URL(request.url).pathname,
        cacheControl: response.headers.get("Cache-Control") || "",
        body: await response.text(),
      });
    }
  }
  return entries;
}
"""


def wait_for_service_worker(page, timeout_ms: int = 10_000) -> None:
    """Wait until the service worker is active and controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=timeout_ms)


def cached_entries(page) -> list[dict]:
    return page.evaluate(READ_CACHES_JS)


def open_offline(page, path: str) -> str:
    """Open `path` while offline; return the page's text, or "" when the browser shows a network error."""
    try:
        page.goto(path)
    except PlaywrightError as error:
        assert "ERR_INTERNET_DISCONNECTED" in str(error) or "ERR_FAILED" in str(error), error
        return ""
    return page.content()


def wait_until_cached(page, path: str, timeout_ms: int = 10_000) -> None:
    page.wait_for_function("async (path) => !!(await caches.match(path))", arg=path, timeout=timeout_ms)
