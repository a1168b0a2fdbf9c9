"""Paystack mobile money charges: /charge, /charge/submit_otp, /transaction/verify, /transaction."""

from __future__ import annotations

import zlib
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

CHARGE_PROVIDERS = {"mtn": "MTN Mobile Money", "vod": "Telecel Cash", "atl": "AirtelTigo Money"}
OTP_TEXT = "Dial *110# to generate a voucher code, then enter the code here."
OFFLINE_TEXT = "Please complete authorization process on your mobile phone"


class Charges(PaystackPart):
    def routes(self):
        return [
            ("POST", r"/charge", self.charge),
            ("POST", r"/charge/submit_otp", self.submit_otp),
            ("GET", r"/charge/(?P<reference>[^/]+)", self.get_charge),
            ("GET", r"/transaction/verify/(?P<reference>[^/]+)", self.verify),
            ("GET", r"/transaction", self.list_transactions),
        ]

    def charge(self, request: Request) -> Response:
        body = request.json_object()
        reference = body.get("reference") or self.store.code("T")
        amount = positive_amount(body.get("amount"))
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
        response = ok(self.charge_view(charge), "Charge attempted")
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
            self.succeed(charge)
        elif scenario.initial == "pending":
            charge.update(status="pay_offline", display_text=OFFLINE_TEXT, gateway_response="Awaiting approval")
            if scenario.later:
                self.store.schedule(self.store.config.pending_seconds, lambda: self._finish(charge))

    def _finish(self, charge: dict[str, Any]) -> None:
        scenario = charge["_scenario"]
        if charge["status"] not in ("pay_offline", "send_otp"):
            return
        if scenario.later == "success":
            self.succeed(charge)
        else:
            self.decline(charge, scenario.reason)

    def succeed(self, charge: dict[str, Any]) -> None:
        fees = self.store.fee_for(charge["amount"])
        now = self.store.now_iso()
        charge.update(status="success", gateway_response="Approved", display_text=None, fees=fees, paid_at=now)
        self.store.post_ledger(charge["amount"] - fees, "Charge", "Transaction", charge["id"], charge["reference"])
        scenario = charge["_scenario"]
        self.send_event("charge.success", self.charge_view(charge), scenario.webhook_copies, scenario.bad_signature)

    def decline(self, charge: dict[str, Any], reason: str) -> None:
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
            self.succeed(charge)
        else:
            self.decline(charge, "INVALID_OTP")
        return ok(self.charge_view(charge), "Charge attempted")

    def get_charge(self, request: Request) -> Response:
        charge = self.store.charges.get(request.params["reference"])
        if charge is None:
            return fail(400, "Transaction reference not found")
        return ok(self.charge_view(charge), "Charge retrieved")

    def verify(self, request: Request) -> Response:
        charge = self.store.charges.get(request.params["reference"])
        if charge is None:
            return fail(400, "Transaction reference not found")
        view = self.charge_view(charge)
        if view["status"] in ("send_otp", "pay_offline", "pending"):
            view["status"] = "ongoing"
        return ok(view, "Verification successful")

    def list_transactions(self, request: Request) -> Response:
        rows = [self.charge_view(charge) for charge in self.store.charges.values()]
        status = request.query.get("status")
        if status:
            rows = [row for row in rows if row["status"] == status]
        return self.page(request, since_filter(request, rows, "created_at"), "Transactions retrieved")
