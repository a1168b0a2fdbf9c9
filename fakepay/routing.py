"""A minimal request, response and regex router for the fake provider's handlers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        values = {key: items[-1] for key, items in parse_qs(query, keep_blank_values=True).items()}
        return cls(method, path, values, {key.lower(): value for key, value in headers.items()}, body)

    def json(self) -> Any:
        """Return the parsed JSON body, or raise BadRequest."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            raise BadRequest("Request body is not valid JSON") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object")
        return body


@dataclass
class Response:
    status: int
    body: Any = None  # dict or list (sent as JSON), bytes, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to hold the connection open before answering, to play a hung provider.
    delay: float = 0.0

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


class BadRequest(Exception):
    """Raised by handlers for malformed input; the Paystack envelope renders it as 400."""


Handler = Callable[[Request], Response]


class Router:
    def __init__(self):
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """Return (handler, path parameters, whether the path exists under another method)."""
        path_exists = False
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return handler, found.groupdict(), True
                path_exists = True
        return None, {}, path_exists
