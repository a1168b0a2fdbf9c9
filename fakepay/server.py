"""Run the fake Paystack and MTN MoMo provider: `python -m fakepay.server --port 8765`.

In tests, start it in-process instead:

    server = FakePayServer(port=0).start()   # a free port on 127.0.0.1
    server.base_url                           # "http://127.0.0.1:<port>"
    server.stop()
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fakepay import DEFAULT_PORT
from fakepay.admin_api import AdminApi
from fakepay.config import FakeConfig, is_loopback_host, is_loopback_url
from fakepay.delivery import Dispatcher
from fakepay.momo_api import MomoApi
from fakepay.paystack_api import PaystackApi
from fakepay.paystack_common import fail
from fakepay.routing import Request, Response, Router
from fakepay.store import Store

logger = logging.getLogger("fakepay")

# Largest request body accepted, in bytes; the real APIs' bodies are a few hundred bytes.
MAX_BODY_BYTES = 1_000_000
# Seconds between passes of the thread that applies scheduled changes.
TICK_SECONDS = 0.1


class FakePay:
    """The application: routes requests to the Paystack, MoMo and admin handlers."""

    def __init__(self, config: FakeConfig):
        self.store = Store(config)
        self.dispatcher = Dispatcher(self.store)
        self.store.on_event = self.dispatcher.submit
        self.router = Router()
        self.paystack = PaystackApi(self.store)
        self.paystack.register(self.router)
        MomoApi(self.store).register(self.router)
        AdminApi(self.store, self.paystack, self.dispatcher).register(self.router)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        request = Request.build(method, target, headers, body)
        self.store.settle_due()
        handler, params, path_exists = self.router.match(method, request.path.rstrip("/") or "/")
        if handler is None:
            handler, params, path_exists = self.router.match(method, request.path)
        if handler is None:
            response = fail(405 if path_exists else 404, "Method not allowed" if path_exists else "Not found")
        else:
            request.params = params
            try:
                response = handler(request)
            except Exception:
                logger.exception("fakepay: handler for %s %s failed", method, request.path)
                response = fail(500, "fakepay: internal error")
        if not request.path.startswith("/__admin__/"):
            self.store.log_request(method, request.path, response.status)
        return response


class _Handler(BaseHTTPRequestHandler):
    server_version = "fakepay/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY_BYTES:
            self._write(Response(413, {"status": False, "message": "Request body too large"}))
            return
        body = self.rfile.read(int(length)) if int(length) else b""
        response = self.server.app.handle(self.command, self.path, dict(self.headers.items()), body)
        if response.delay:
            # Hold the connection like a provider that stopped answering, then give up.
            time.sleep(response.delay)
        self._write(response)

    def _write(self, response: Response) -> None:
        payload = response.encoded()
        try:
            self.send_response(response.status)
            if response.body is not None:
                self.send_header("Content-Type", "application/json")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            logger.info("fakepay: client went away before the answer to %s %s", self.command, self.path)

    def log_message(self, format, *args):
        logger.debug("fakepay: %s", format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakePayServer:
    """The fake provider on its own threads: HTTP server, webhook delivery and the scheduler."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, config: FakeConfig | None = None):
        if not is_loopback_host(host):
            raise ValueError(f"fakepay serves on loopback only; {host!r} is not a loopback address.")
        self.app = FakePay(config or FakeConfig())
        self.httpd = _Server((host, port), _Handler)
        self.httpd.app = self.app
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="fakepay-http"),
            threading.Thread(target=self._tick, name="fakepay-scheduler"),
        ]
        for thread in self._threads:
            thread.daemon = True

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePayServer:
        self.app.dispatcher.start()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.app.dispatcher.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.app.store.settle_due()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fakepay.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKEPAY_PORT", DEFAULT_PORT)))
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get("FAKEPAY_WEBHOOK_URL", FakeConfig.webhook_url),
        help="where Paystack-style webhooks are POSTed; empty to send none",
    )
    parser.add_argument(
        "--secret-key",
        default=os.environ.get("FAKEPAY_SECRET_KEY", FakeConfig.paystack_secret_key),
        help="Paystack secret key expected in Authorization and used to sign webhooks",
    )
    parser.add_argument("--signature-scheme", choices=("plain", "timestamped"), default="plain")
    parser.add_argument(
        "--pending-seconds", type=float, default=FakeConfig.pending_seconds, help="delay of delayed-outcome payers"
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.webhook_url and not is_loopback_url(args.webhook_url):
        print(f"fakepay: --webhook-url must be on a loopback address, not {args.webhook_url}", file=sys.stderr)
        return 2
    config = FakeConfig(
        paystack_secret_key=args.secret_key,
        webhook_url=args.webhook_url,
        signature_scheme=args.signature_scheme,
        pending_seconds=args.pending_seconds,
    )
    try:
        server = FakePayServer(args.host, args.port, config).start()
    except (OSError, ValueError) as error:
        print(f"fakepay: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    logger.info("fakepay listening on %s; webhooks go to %s", server.base_url, args.webhook_url or "(none)")

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    logger.info("fakepay stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
