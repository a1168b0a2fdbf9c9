"""Admin endpoints under /__admin__/ for tests and demos: state, config, clock, events, reset.

| method | path                                      | does                                             |
|--------|-------------------------------------------|--------------------------------------------------|
| GET    | /__admin__/health                         | {"status": "ok"}                                 |
| GET    | /__admin__/state                          | clock, config, balances and every stored object  |
| POST   | /__admin__/config                         | change settings (JSON object of FakeConfig names)|
| POST   | /__admin__/reset                          | forget everything; optional body = config changes|
| POST   | /__admin__/advance                        | {"seconds": n}: move the clock, apply what is due|
| GET    | /__admin__/events                         | webhooks and callbacks with their deliveries     |
| POST   | /__admin__/events/<id>/replay             | deliver an event again, same body                |
| GET    | /__admin__/requests                       | the log of API requests (method, path, status)   |
| POST   | /__admin__/charges/<reference>/settle     | {"status": "success"|"failed"}: end a pending charge |
"""

from __future__ import annotations

from typing import Any

from fakepay.routing import Request, Response, Router
from fakepay.store import Store


class AdminApi:
    def __init__(self, store: Store, paystack, dispatcher):
        self.store = store
        self.paystack = paystack
        self.dispatcher = dispatcher

    def register(self, router: Router) -> None:
        router.add("GET", r"/__admin__/health", lambda request: Response(200, {"status": "ok"}))
        router.add("GET", r"/__admin__/state", self.state)
        router.add("POST", r"/__admin__/config", self.config)
        router.add("POST", r"/__admin__/reset", self.reset)
        router.add("POST", r"/__admin__/advance", self.advance)
        router.add("GET", r"/__admin__/events", self.events)
        router.add("POST", r"/__admin__/events/(?P<event_id>\d+)/replay", self.replay)
        router.add("GET", r"/__admin__/requests", self.requests)
        router.add("POST", r"/__admin__/charges/(?P<reference>[^/]+)/settle", self.settle_charge)

    def state(self, request: Request) -> Response:
        with self.store.lock:
            body = {
                "now": self.store.now_iso(),
                "clock_offset_seconds": self.store.clock.offset,
                "config": self.store.config.to_dict(),
                "balance": self.store.balance,
                "momo_balance": self.store.momo_balance,
                "charges": [_public(row) for row in self.store.charges.values()],
                "transfers": list(self.store.transfers.values()),
                "refunds": list(self.store.refunds.values()),
                "recipients": list(self.store.recipients.values()),
                "momo": {
                    kind: {key: _public(row) for key, row in rows.items()} for kind, rows in self.store.momo.items()
                },
                "charge_posts": dict(self.store.charge_posts),
            }
        return Response(200, body)

    def config(self, request: Request) -> Response:
        changes = request.json()
        if not isinstance(changes, dict):
            return Response(400, {"errors": ["body must be a JSON object"]})
        with self.store.lock:
            errors = self.store.config.update(changes)
            if errors:
                return Response(400, {"errors": errors})
            return Response(200, self.store.config.to_dict())

    def reset(self, request: Request) -> Response:
        changes = request.json() or {}
        if not isinstance(changes, dict):
            return Response(400, {"errors": ["body must be a JSON object"]})
        with self.store.lock:
            self.dispatcher.clear()
            self.store.reset()
            errors = self.store.config.update(changes)
            if errors:
                return Response(400, {"errors": errors})
            return Response(200, self.store.config.to_dict())

    def advance(self, request: Request) -> Response:
        body = request.json()
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10**7:
            return Response(400, {"errors": ["seconds must be a number from 0 to 10000000"]})
        self.store.advance(float(seconds))
        return Response(200, {"now": self.store.now_iso(), "clock_offset_seconds": self.store.clock.offset})

    def events(self, request: Request) -> Response:
        name = request.query.get("name")
        with self.store.lock:
            rows = [event.describe() for event in self.store.events if not name or event.name == name]
        return Response(200, rows)

    def replay(self, request: Request) -> Response:
        event = self.store.find_event(int(request.params["event_id"]))
        if event is None:
            return Response(404, {"errors": ["no such event"]})
        self.dispatcher.submit(event, attempt=len(event.deliveries) + 1)
        return Response(202, event.describe())

    def requests(self, request: Request) -> Response:
        with self.store.lock:
            return Response(200, list(self.store.requests))

    def settle_charge(self, request: Request) -> Response:
        body = request.json()
        outcome = body.get("status") if isinstance(body, dict) else None
        if outcome not in ("success", "failed"):
            return Response(400, {"errors": ["status must be success or failed"]})
        with self.store.lock:
            charge = self.store.charges.get(request.params["reference"])
            if charge is None:
                return Response(404, {"errors": ["no such charge"]})
            if charge["status"] not in ("pay_offline", "send_otp"):
                return Response(409, {"errors": [f"charge is already {charge['status']}"]})
            if outcome == "success":
                self.paystack.charges.succeed(charge)
            else:
                self.paystack.charges.decline(charge, str(body.get("reason") or "COULD_NOT_PERFORM_TRANSACTION"))
            return Response(200, _public(charge))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not key.startswith("_")}
