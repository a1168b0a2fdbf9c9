"""Paystack payouts: /bank, /bank/resolve, /transferrecipient, /transfer and /transfer/verify."""

from __future__ import annotations

from typing import Any

from fakepay import scenarios
from fakepay.paystack_common import (
    LOCAL_PHONE,
    REFERENCE,
    PaystackPart,
    fail,
    ok,
    positive_amount,
    since_filter,
)
from fakepay.routing import Request, Response

BANKS = {"MTN": "MTN Mobile Money", "VOD": "Telecel Cash", "ATL": "AirtelTigo Money"}


class Transfers(PaystackPart):
    def routes(self):
        return [
            ("GET", r"/bank", self.list_banks),
            ("GET", r"/bank/resolve", self.resolve),
            ("POST", r"/transferrecipient", self.create_recipient),
            ("POST", r"/transfer", self.transfer),
            ("GET", r"/transfer/verify/(?P<reference>[^/]+)", self.verify_transfer),
            ("GET", r"/transfer", self.list_transfers),
        ]

    def list_banks(self, request: Request) -> Response:
        rows = [
            {"name": name, "code": code, "type": "mobile_money", "currency": "GHS", "country": "Ghana"}
            for code, name in BANKS.items()
        ]
        return ok(rows, "Banks retrieved")

    def resolve(self, request: Request) -> Response:
        account = request.query.get("account_number", "")
        if not LOCAL_PHONE.fullmatch(account) or request.query.get("bank_code") not in BANKS:
            return fail(400, "Account number and a mobile money bank code are required")
        if not scenarios.wallet_resolves(account):
            return fail(422, "Could not resolve account name. Check parameters or try again.")
        return ok({"account_number": account, "account_name": scenarios.holder_name(account)}, "Account retrieved")

    def create_recipient(self, request: Request) -> Response:
        body = request.json_object()
        account = body.get("account_number")
        bank_code = body.get("bank_code")
        if body.get("type") != "mobile_money":
            return fail(400, "Recipient type must be mobile_money", code="invalid_params")
        if not isinstance(account, str) or not LOCAL_PHONE.fullmatch(account) or bank_code not in BANKS:
            return fail(400, "Account number or bank code is invalid", code="invalid_params")
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            return fail(400, "Name is required", code="invalid_params")

        existing = next(
            (row for row in self.store.recipients.values() if row["details"]["account_number"] == account),
            None,
        )
        if existing and existing["details"]["bank_code"] == bank_code:
            return ok(existing, "Transfer recipient created successfully", status=201)
        now = self.store.now_iso()
        recipient = {
            "active": True,
            "createdAt": now,
            "updatedAt": now,
            "currency": "GHS",
            "domain": "test",
            "id": self.store.next_id(),
            "integration": 1,
            "name": body["name"].strip(),
            "recipient_code": self.store.code("RCP"),
            "type": "mobile_money",
            "is_deleted": False,
            "details": {
                "authorization_code": None,
                "account_number": account,
                "account_name": scenarios.holder_name(account),
                "bank_code": bank_code,
                "bank_name": BANKS[bank_code],
            },
        }
        self.store.recipients[recipient["recipient_code"]] = recipient
        return ok(recipient, "Transfer recipient created successfully", status=201)

    def transfer(self, request: Request) -> Response:
        body = request.json_object()
        amount = positive_amount(body.get("amount"))
        reference = body.get("reference") or self.store.code("TRFREF")
        recipient = self.store.recipients.get(str(body.get("recipient") or ""))
        if amount is None:
            return fail(400, "Amount is invalid", code="invalid_params")
        if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
            return fail(400, "Reference is invalid", code="invalid_params")
        if recipient is None:
            return fail(400, "Recipient specified is invalid", code="invalid_transfer_recipient")
        if reference in self.store.transfers:
            return fail(400, "Duplicate Transaction Reference", code="duplicate_reference")
        if amount > self.store.balance:
            return fail(400, "Your balance is not enough to fulfil this request", code="insufficient_balance")

        now = self.store.now_iso()
        transfer = {
            "id": self.store.next_id(),
            "amount": amount,
            "currency": "GHS",
            "domain": "test",
            "failures": None,
            "integration": 1,
            "reason": str(body.get("reason") or ""),
            "reference": reference,
            "source": "balance",
            "source_details": None,
            "status": "pending",
            "titan_code": None,
            "transfer_code": self.store.code("TRF"),
            "transferred_at": None,
            "createdAt": now,
            "updatedAt": now,
            "recipient": recipient,
        }
        self.store.transfers[reference] = transfer
        self.store.post_ledger(-amount, "Transfer", "Transfer", transfer["id"], reference)
        outcome = scenarios.payout_outcome(recipient["details"]["account_number"])
        self.store.schedule(self.store.config.payout_seconds, lambda: self._settle_transfer(transfer, outcome))
        return ok(transfer, "Transfer has been queued")

    def _settle_transfer(self, transfer: dict[str, Any], outcome: str) -> None:
        transfer["updatedAt"] = self.store.now_iso()
        if outcome == "failed":
            transfer.update(status="failed", failures="Recipient wallet could not be credited")
            self._credit_back(transfer, "Transfer failed")
            self.send_event("transfer.failed", transfer)
            return
        transfer.update(status="success", transferred_at=self.store.now_iso())
        self.send_event("transfer.success", transfer)
        if outcome == "reversed":
            self.store.schedule(self.store.config.reversal_seconds, lambda: self._reverse_transfer(transfer))

    def _reverse_transfer(self, transfer: dict[str, Any]) -> None:
        transfer.update(status="reversed", updatedAt=self.store.now_iso())
        self._credit_back(transfer, "Transfer reversed")
        self.send_event("transfer.reversed", transfer)

    def _credit_back(self, transfer: dict[str, Any], reason: str) -> None:
        self.store.post_ledger(transfer["amount"], reason, "Transfer", transfer["id"], transfer["reference"])

    def list_transfers(self, request: Request) -> Response:
        rows = since_filter(request, list(self.store.transfers.values()), "createdAt")
        return self.page(request, rows, "Transfers retrieved")

    def verify_transfer(self, request: Request) -> Response:
        transfer = self.store.transfers.get(request.params["reference"])
        if transfer is None:
            return fail(404, "Transfer not found")
        return ok(transfer, "Transfer retrieved")
