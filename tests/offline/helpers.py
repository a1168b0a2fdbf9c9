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


def wait_for_service_worker(page, timeout_ms: int = 30_000) -> None:
    """Wait until the service worker is active and controls the page.

    A page loaded before the worker claimed its clients stays uncontrolled, so it is
    reloaded once when the worker is ready but not yet in control.
    """
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
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


def wait_until(page, script: str, arg=None, timeout_ms: int = 10_000) -> None:
    """Evaluate `script` every 100 ms until it returns a truthy value.

    page.wait_for_function returned at once for a script that returns a promise (seen with
    Playwright 1.65), so scripts that read Cache Storage or IndexedDB are polled here. A
    navigation in progress destroys the script's context, so that try is repeated.
    """
    for _ in range(max(1, timeout_ms // 100)):
        try:
            if page.evaluate(script, arg):
                return
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
        page.wait_for_timeout(100)
    raise AssertionError(f"Timed out after {timeout_ms} ms waiting for: {script}")


def wait_until_cached(page, path: str, timeout_ms: int = 10_000) -> None:
    # Pages vary on Accept-Language, which a bare path lacks; the worker matches real requests.
    wait_until(page, "async (path) => !!(await caches.match(path, { ignoreVary: true }))", path, timeout_ms)
