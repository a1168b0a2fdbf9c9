"""The Paystack subset: mobile money charges, transfers to wallets, refunds, balance and settlements.

Every response uses Paystack's envelope {status, message, data} and every call needs
`Authorization: Bearer <secret key>`. Amounts are pesewas and phones local (0XXXXXXXXX).
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from fakepay import scenarios
from fakepay.routing import BadRequest, Request, Response, Router
from fakepay.store import Store

REFERENCE = re.compile(r"[A-Za-z0-9.=_-]{1,100}")
LOCAL_PHONE = re.compile(r"0[0-9]{9}")
CHARGE_PROVIDERS = {"mtn": "MTN Mobile Money", "vod": "Telecel Cash", "atl": "AirtelTigo Money"}
BANKS = {"MTN": "MTN Mobile Money", "VOD": "Telecel Cash", "ATL": "AirtelTigo Money"}
OTP_TEXT = "Dial *110# to generate a voucher code, then enter the code here."
OFFLINE_TEXT = "Please complete authorization process on your mobile phone"


def ok(data: Any, message: str, status: int = 200, meta: dict | None = None) -> Response:
    body: dict[str, Any] = {"status": True, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(status, body)


def fail(status: int, message: str, code: str = "") -> Response:
    body: dict[str, Any] = {"status": False, "message": message}
    if code:
        body["code"] = code
        body["type"] = "validation_error" if status == 400 else "api_error"
    return Response(status, body)


def _amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    return None


class PaystackApi:
    def __init__(self, store: Store):
        self.store = store

    def register(self, router: Router) -> None:
        routes = [
            ("POST", r"/charge", self.charge),
            ("POST", r"/charge/submit_otp", self.submit_otp),
            ("GET", r"/charge/(?P<reference>[^/]+)", self.get_charge),
            ("GET", r"/transaction/verify/(?P<reference>[^/]+)", self.verify),
            ("GET", r"/transaction", self.list_transactions),
            ("GET", r"/bank", self.list_banks),
            ("GET", r"/bank/resolve", self.resolve),
            ("POST", r"/transferrecipient", self.create_recipient),
            ("POST", r"/transfer", self.transfer),
            ("GET", r"/transfer/verify/(?P<reference>[^/]+)", self.verify_transfer),
            ("GET", r"/transfer", self.list_transfers),
            ("POST", r"/refund", self.refund),
            ("GET", r"/refund", self.list_refunds),
            ("GET", r"/refund/(?P<refund_id>\d+)", self.get_refund),
            ("GET", r"/balance", self.balance),
            ("GET", r"/balance/ledger", self.balance_ledger),
            ("GET", r"/settlement", self.settlements),
            ("GET", r"/settlement/(?P<settlement_id>\d+)/transactions", self.settlement_transactions),
        ]
        for method, pattern, handler in routes:
            router.add(method, pattern, self._authorized(handler))

    def _authorized(self, handler):
        def wrapped(request: Request) -> Response:
            expected = f"Bearer {self.store.config.paystack_secret_key}"
            if request.headers.get("authorization") != expected:
                return fail(401, "Invalid key")
            try:
                with self.store.lock:
                    return handler(request)
            except BadRequest as error:
                return fail(400, str(error))

        return wrapped

    # Charges -----------------------------------------------------------------------------

    def charge(self, request: Request) -> Response:
        body = request.json_object()
        reference = body.get("reference") or self.store.code("T")
        amount = _amount(body.get("amount"))
        mobile_money = body.get("mobile_money")
        errors = []
        if not isinstance(body.get("email"), str) or "@" not in body.get("email", ""):
            errors.append("email is invalid")
        if amount is None:
            errors.append("amount is invalid")
        if body.get("currency", "GHS") != "GHS":
            errors.append("currency is not supported")
        if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
            errors.append("reference is invalid")
        if not isinstance(mobile_money, dict):
            errors.append("mobile_money is required")
        else:
            if not isinstance(mobile_money.get("phone"), str) or not LOCAL_PHONE.fullmatch(mobile_money["phone"]):
                errors.append("mobile_money.phone is invalid")
            if mobile_money.get("provider") not in CHARGE_PROVIDERS:
                errors.append("mobile_money.provider is invalid")
        if errors:
            return fail(400, "; ".join(errors).capitalize(), code="invalid_params")

        posts = self.store.charge_posts.get(reference, 0) + 1
        self.store.charge_posts[reference] = posts
        if reference in self.store.charges:
            return fail(400, "Duplicate Transaction Reference", code="duplicate_reference")

        charge = self._new_charge(reference, amount, body, mobile_money)
        scenario = scenarios.for_payer(mobile_money["phone"])
        self._start(charge, scenario)
        response = ok(self._charge_view(charge), "Charge attempted")
        if scenario.flaky_first_post and posts == 1:
            if self.store.config.flaky_mode == "hang":
                hang = self.store.config.hang_seconds
                return Response(500, {"status": False, "message": "Gateway timeout"}, delay=hang)
            return fail(500, "An error occurred while processing the charge")
        return response

    def _new_charge(self, reference: str, amount: int, body: dict, mobile_money: dict) -> dict[str, Any]:
        charge_id = self.store.next_id()
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        charge = {
            "id": charge_id,
            "domain": "test",
            "reference": reference,
            "amount": amount,
            "currency": "GHS",
            "status": "pending",
            "channel": "mobile_money",
            "gateway_response": "Pending",
            "message": None,
            "display_text": None,
            "fees": None,
            "paid_at": None,
            "created_at": self.store.now_iso(),
            "metadata": metadata,
            "ip_address": "127.0.0.1",
            "authorization": {
                "authorization_code": self.store.code("AUTH"),
                "bank": CHARGE_PROVIDERS[mobile_money["provider"]],
                "channel": "mobile_money",
                "last4": mobile_money["phone"][-4:],
                "mobile_money_number": mobile_money["phone"],
                "reusable": False,
                "country_code": "GH",
            },
            "customer": {
                "email": body["email"],
                "customer_code": f"CUS_{zlib.crc32(body['email'].encode()):010d}",
            },
            "refunded_amount": 0,
            "_phone": mobile_money["phone"],
            "_scenario": None,
        }
        self.store.charges[reference] = charge
        return charge

    def _start(self, charge: dict[str, Any], scenario: scenarios.Scenario) -> None:
        charge["_scenario"] = scenario
        if scenario.needs_otp:
            charge.update(status="send_otp", display_text=OTP_TEXT, gateway_response="Awaiting OTP")
        elif scenario.initial == "success":
            self._succeed(charge)
        elif scenario.initial == "pending":
            charge.update(status="pay_offline", display_text=OFFLINE_TEXT, gateway_response="Awaiting approval")
            if scenario.later:
                self.store.schedule(self.store.config.pending_seconds, lambda: self._finish(charge))

    def _finish(self, charge: dict[str, Any]) -> None:
        scenario = charge["_scenario"]
        if charge["status"] not in ("pay_offline", "send_otp"):
            return
        if scenario.later == "success":
            self._succeed(charge)
        else:
            self._fail(charge, scenario.reason)

    def _succeed(self, charge: dict[str, Any]) -> None:
        fees = self.store.fee_for(charge["amount"])
        now = self.store.now_iso()
        charge.update(status="success", gateway_response="Approved", display_text=None, fees=fees, paid_at=now)
        self.store.post_ledger(charge["amount"] - fees, "Charge", "Transaction", charge["id"], charge["reference"])
        scenario = charge["_scenario"]
        self._send_event("charge.success", self._charge_view(charge), scenario.webhook_copies, scenario.bad_signature)

    def _fail(self, charge: dict[str, Any], reason: str) -> None:
        message = scenarios.GATEWAY_RESPONSES.get(reason, "Declined")
        charge.update(status="failed", gateway_response=message, message=message, display_text=None)

    def submit_otp(self, request: Request) -> Response:
        body = request.json_object()
        charge = self.store.charges.get(str(body.get("reference") or ""))
        if charge is None:
            return fail(400, "Transaction reference not found")
        if charge["status"] != "send_otp":
            return fail(400, "Charge is not awaiting an OTP", code="invalid_state")
        if str(body.get("otp") or "") == scenarios.VALID_OTP:
            self._succeed(charge)
        else:
            self._fail(charge, "INVALID_OTP")
        return ok(self._charge_view(charge), "Charge attempted")

    def get_charge(self, request: Request) -> Response:
        charge = self.store.charges.get(request.params["reference"])
        if charge is None:
            return fail(400, "Transaction reference not found")
        return ok(self._charge_view(charge), "Charge retrieved")

    def verify(self, request: Request) -> Response:
        charge = self.store.charges.get(request.params["reference"])
        if charge is None:
            return fail(400, "Transaction reference not found")
        view = self._charge_view(charge)
        if view["status"] in ("send_otp", "pay_offline", "pending"):
            view["status"] = "ongoing"
        return ok(view, "Verification successful")

    def list_transactions(self, request: Request) -> Response:
        rows = [self._charge_view(charge) for charge in self.store.charges.values()]
        status = request.query.get("status")
        if status:
            rows = [row for row in rows if row["status"] == status]
        return self._page(request, _since(request, rows, "created_at"), "Transactions retrieved")

    def _charge_view(self, charge: dict[str, Any]) -> dict[str, Any]:
        view = {key: value for key, value in charge.items() if not key.startswith("_")}
        view["paidAt"] = charge["paid_at"]
        view["createdAt"] = charge["created_at"]
        return view

    # Recipients and transfers ------------------------------------------------------------

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
        amount = _amount(body.get("amount"))
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
            self._send_event("transfer.failed", transfer)
            return
        transfer.update(status="success", transferred_at=self.store.now_iso())
        self._send_event("transfer.success", transfer)
        if outcome == "reversed":
            self.store.schedule(self.store.config.reversal_seconds, lambda: self._reverse_transfer(transfer))

    def _reverse_transfer(self, transfer: dict[str, Any]) -> None:
        transfer.update(status="reversed", updatedAt=self.store.now_iso())
        self._credit_back(transfer, "Transfer reversed")
        self._send_event("transfer.reversed", transfer)

    def _credit_back(self, transfer: dict[str, Any], reason: str) -> None:
        self.store.post_ledger(transfer["amount"], reason, "Transfer", transfer["id"], transfer["reference"])

    def list_transfers(self, request: Request) -> Response:
        rows = _since(request, list(self.store.transfers.values()), "createdAt")
        return self._page(request, rows, "Transfers retrieved")

    def verify_transfer(self, request: Request) -> Response:
        transfer = self.store.transfers.get(request.params["reference"])
        if transfer is None:
            return fail(404, "Transfer not found")
        return ok(transfer, "Transfer retrieved")

    # Refunds -----------------------------------------------------------------------------

    def refund(self, request: Request) -> Response:
        body = request.json_object()
        charge = self._charge_by_id_or_reference(body.get("transaction"))
        if charge is None:
            return fail(400, "Transaction not found", code="transaction_not_found")
        if charge["status"] != "success":
            return fail(400, "Cannot refund a transaction that is not successful", code="invalid_state")
        remaining = charge["amount"] - charge["refunded_amount"]
        if remaining <= 0:
            return fail(400, "Transaction has been fully reversed", code="transaction_reversed")
        amount = remaining if body.get("amount") in (None, "") else _amount(body.get("amount"))
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
            self._send_event("refund.failed", self._refund_event(refund))
            return
        refund.update(status="processed", deducted_amount=refund["amount"], fully_deducted=True)
        self.store.post_ledger(-refund["amount"], "Refund", "Refund", refund["id"], charge["reference"])
        if charge["refunded_amount"] >= charge["amount"]:
            charge["status"] = "reversed"
        self._send_event("refund.processed", self._refund_event(refund))

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
            charge = self._charge_by_id_or_reference(wanted)
            rows = [row for row in rows if charge and row["transaction"]["id"] == charge["id"]]
        return self._page(request, _since(request, rows, "createdAt"), "Refunds retrieved")

    def get_refund(self, request: Request) -> Response:
        refund = self.store.refunds.get(int(request.params["refund_id"]))
        if refund is None:
            return fail(404, "Refund not found")
        return ok(refund, "Refund retrieved")

    def _charge_by_id_or_reference(self, value: Any) -> dict[str, Any] | None:
        if isinstance(value, str) and value in self.store.charges:
            return self.store.charges[value]
        if (
            isinstance(value, int | str)
            and not isinstance(value, bool)
            and str(value).isascii()
            and str(value).isdigit()
        ):
            return next((row for row in self.store.charges.values() if row["id"] == int(value)), None)
        return None

    # Balance and settlements -------------------------------------------------------------

    def balance(self, request: Request) -> Response:
        return ok([{"currency": "GHS", "balance": self.store.balance}], "Balances retrieved")

    def balance_ledger(self, request: Request) -> Response:
        return self._page(request, list(reversed(self.store.ledger)), "Balance ledger retrieved")

    def settlements(self, request: Request) -> Response:
        return self._page(request, [row for row, _ in self._settlements().values()], "Settlements retrieved")

    def settlement_transactions(self, request: Request) -> Response:
        found = self._settlements().get(int(request.params["settlement_id"]))
        if found is None:
            return fail(404, "Settlement not found")
        return self._page(request, [self._charge_view(charge) for charge in found[1]], "Transactions retrieved")

    def _settlements(self) -> dict[int, tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Group successful charges by paid date; each day settles the next day, like Paystack's T+1."""
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

    # Helpers -----------------------------------------------------------------------------

    def _page(self, request: Request, rows: list[Any], message: str) -> Response:
        per_page = _positive(request.query.get("perPage"), 50, maximum=1000)
        page = _positive(request.query.get("page"), 1, maximum=10**6)
        start = (page - 1) * per_page
        meta = {
            "total": len(rows),
            "skipped": start,
            "perPage": per_page,
            "page": page,
            "pageCount": max(1, -(-len(rows) // per_page)),
        }
        return ok(rows[start : start + per_page], message, meta=meta)

    def _send_event(self, name: str, data: dict[str, Any], copies: int = 1, bad_signature: bool = False) -> None:
        payload = {key: value for key, value in data.items() if not key.startswith("_")}
        body = json.dumps({"event": name, "data": payload}).encode()
        url = self.store.config.webhook_url
        self.store.emit("paystack", name, body, url, copies=copies, bad_signature=bad_signature)


def _since(request: Request, rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Keep rows created at or after the `from` query parameter (an ISO 8601 time), if given."""
    start = _parse_time(request.query.get("from"))
    if start is None:
        return rows
    return [row for row in rows if (_parse_time(row.get(field)) or start) >= start]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive(value: str | None, default: int, *, maximum: int) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or int(value) < 1:
        return default
    return min(int(value), maximum)
