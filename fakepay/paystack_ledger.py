"""Paystack balance and settlements: /balance, /balance/ledger, /settlement, for reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fakepay.paystack_common import PaystackPart, fail, ok
from fakepay.routing import Request, Response


class Ledger(PaystackPart):
    def routes(self):
        return [
            ("GET", r"/balance", self.balance),
            ("GET", r"/balance/ledger", self.balance_ledger),
            ("GET", r"/settlement", self.settlements),
            ("GET", r"/settlement/(?P<settlement_id>\d+)/transactions", self.settlement_transactions),
        ]

    def balance(self, request: Request) -> Response:
        return ok([{"currency": "GHS", "balance": self.store.balance}], "Balances retrieved")

    def balance_ledger(self, request: Request) -> Response:
        return self.page(request, list(reversed(self.store.ledger)), "Balance ledger retrieved")

    def settlements(self, request: Request) -> Response:
        return self.page(request, [row for row, _ in self._settlements().values()], "Settlements retrieved")

    def settlement_transactions(self, request: Request) -> Response:
        found = self._settlements().get(int(request.params["settlement_id"]))
        if found is None:
            return fail(404, "Settlement not found")
        return self.page(request, [self.charge_view(charge) for charge in found[1]], "Transactions retrieved")

    def _settlements(self) -> dict[int, tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Group successful charges by paid date. Each day settles the next day, like Paystack's T+1."""
        by_day: dict[str, list[dict[str, Any]]] = {}
        for charge in self.store.charges.values():
            if charge["paid_at"]:
                by_day.setdefault(charge["paid_at"][:10], []).append(charge)
        today = datetime.fromtimestamp(self.store.clock.now(), tz=UTC).date()
        result = {}
        for day, charges in sorted(by_day.items()):
            settlement_id = int(day.replace("-", ""))
            settles_on = datetime.fromisoformat(day).date() + timedelta(days=1)
            total = sum(charge["amount"] for charge in charges)
            fees = sum(charge["fees"] or 0 for charge in charges)
            row = {
                "id": settlement_id,
                "domain": "test",
                "status": "success" if settles_on <= today else "pending",
                "currency": "GHS",
                "integration": 1,
                "total_amount": total,
                "effective_amount": total - fees,
                "total_fees": fees,
                "total_processed": len(charges),
                "deductions": None,
                "settlement_date": f"{settles_on.isoformat()}T00:00:00.000Z",
                "settled_by": None,
                "createdAt": f"{day}T23:59:59.000Z",
            }
            result[settlement_id] = (row, charges)
        return result
