"""Paystack refunds: POST /refund, GET /refund and GET /refund/<id>."""

from __future__ import annotations

from typing import Any

from fakepay.paystack_common import PaystackPart, fail, ok, positive_amount, since_filter
from fakepay.routing import Request, Response


class Refunds(PaystackPart):
    def routes(self):
        return [
            ("POST", r"/refund", self.refund),
            ("GET", r"/refund", self.list_refunds),
            ("GET", r"/refund/(?P<refund_id>\d+)", self.get_refund),
        ]

    def refund(self, request: Request) -> Response:
        body = request.json_object()
        charge = self.charge_by_id_or_reference(body.get("transaction"))
        if charge is None:
            return fail(400, "Transaction not found", code="transaction_not_found")
        if charge["status"] != "success":
            return fail(400, "Cannot refund a transaction that is not successful", code="invalid_state")
        remaining = charge["amount"] - charge["refunded_amount"]
        if remaining <= 0:
            return fail(400, "Transaction has been fully reversed", code="transaction_reversed")
        amount = remaining if body.get("amount") in (None, "") else positive_amount(body.get("amount"))
        if amount is None or amount > remaining:
            return fail(400, "Refund amount cannot be greater than the amount left on the transaction")

        charge["refunded_amount"] += amount
        now = self.store.now_iso()
        refund = {
            "id": self.store.next_id(),
            "integration": 1,
            "domain": "test",
            "transaction": {"id": charge["id"], "reference": charge["reference"], "amount": charge["amount"]},
            "transaction_reference": charge["reference"],
            "dispute": None,
            "amount": amount,
            "deducted_amount": 0,
            "fully_deducted": False,
            "currency": "GHS",
            "channel": "mobile_money",
            "status": "pending",
            "merchant_note": str(body.get("merchant_note") or ""),
            "customer_note": str(body.get("customer_note") or ""),
            "refunded_by": "api",
            "expected_at": self.store.clock.iso(self.store.clock.now() + self.store.config.refund_seconds),
            "createdAt": now,
            "updatedAt": now,
        }
        self.store.refunds[refund["id"]] = refund
        self.store.schedule(self.store.config.refund_seconds, lambda: self._settle_refund(refund, charge))
        return ok(refund, "Refund has been queued for processing")

    def _settle_refund(self, refund: dict[str, Any], charge: dict[str, Any]) -> None:
        refund["updatedAt"] = self.store.now_iso()
        if self.store.config.refund_outcome == "failed":
            refund["status"] = "failed"
            charge["refunded_amount"] -= refund["amount"]
            self.send_event("refund.failed", self._refund_event(refund))
            return
        refund.update(status="processed", deducted_amount=refund["amount"], fully_deducted=True)
        self.store.post_ledger(-refund["amount"], "Refund", "Refund", refund["id"], charge["reference"])
        if charge["refunded_amount"] >= charge["amount"]:
            charge["status"] = "reversed"
        self.send_event("refund.processed", self._refund_event(refund))

    def _refund_event(self, refund: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": refund["id"],
            "status": refund["status"],
            "transaction_reference": refund["transaction_reference"],
            "refund_reference": f"RFD_{refund['id']}",
            "amount": refund["amount"],
            "currency": refund["currency"],
            "processor": "mobile_money",
            "merchant_note": refund["merchant_note"],
            "integration": 1,
            "domain": "test",
        }

    def list_refunds(self, request: Request) -> Response:
        rows = list(self.store.refunds.values())
        wanted = request.query.get("transaction") or request.query.get("reference")
        if wanted:
            charge = self.charge_by_id_or_reference(wanted)
            rows = [row for row in rows if charge and row["transaction"]["id"] == charge["id"]]
        return self.page(request, since_filter(request, rows, "createdAt"), "Refunds retrieved")

    def get_refund(self, request: Request) -> Response:
        refund = self.store.refunds.get(int(request.params["refund_id"]))
        if refund is None:
            return fail(404, "Refund not found")
        return ok(refund, "Refund retrieved")
