"""The MTN MoMo Open API subset: tokens, request to pay, account holders, transfers and refunds.

Writes return 202 with an empty body and are keyed on the caller's X-Reference-Id
(a UUIDv4; a reused one gets 409). Outcomes are read with GET and announced by one
unsigned callback to X-Callback-Url, sent once and never retried. Amounts are cedi
strings and payers MSISDNs (233XXXXXXXXX, or the sandbox's 4673312345x).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from fakepay import scenarios
from fakepay.config import is_loopback_url
from fakepay.routing import BadRequest, Request, Response, Router
from fakepay.store import Store

MSISDN = re.compile(r"[0-9]{8,15}")
# Characters MoMo rejects in payerMessage and payeeNote.
FORBIDDEN_TEXT = re.compile(r"['\"<>&]")
NOT_FOUND = {"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}
DUPLICATE = {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id. Creation for resource failed."}
BAD_SUBSCRIPTION_KEY = {"statusCode": 401, "message": "Access denied due to invalid subscription key."}


def error(status: int, code: str, message: str) -> Response:
    return Response(status, {"code": code, "message": message})


class MomoApi:
    def __init__(self, store: Store):
        self.store = store

    def register(self, router: Router) -> None:
        router.add("POST", r"/(?P<product>collection|disbursement)/token/?", self._locked(self.token))
        router.add("POST", r"/collection/v1_0/requesttopay", self._api("collection", self.request_to_pay))
        router.add(
            "GET", r"/collection/v1_0/requesttopay/(?P<request_id>[^/]+)", self._api("collection", self.get_request)
        )
        router.add(
            "GET",
            r"/collection/v1_0/accountholder/msisdn/(?P<msisdn>[^/]+)/active",
            self._api("collection", self.holder_active),
        )
        router.add(
            "GET",
            r"/collection/v1_0/accountholder/msisdn/(?P<msisdn>[^/]+)/basicuserinfo",
            self._api("collection", self.holder_info),
        )
        router.add("POST", r"/disbursement/v1_0/transfer", self._api("disbursement", self.transfer))
        router.add(
            "GET", r"/disbursement/v1_0/transfer/(?P<request_id>[^/]+)", self._api("disbursement", self.get_transfer)
        )
        router.add("POST", r"/disbursement/v1_0/refund", self._api("disbursement", self.refund))
        router.add(
            "GET", r"/disbursement/v1_0/refund/(?P<request_id>[^/]+)", self._api("disbursement", self.get_refund)
        )
        router.add("GET", r"/disbursement/v1_0/account/balance", self._api("disbursement", self.balance))

    # Authentication ----------------------------------------------------------------------

    def _locked(self, handler):
        def wrapped(request: Request) -> Response:
            with self.store.lock:
                return handler(request)

        return wrapped

    def _api(self, product: str, handler):
        """Wrap a handler with MoMo's checks: subscription key, bearer token, target environment."""

        def wrapped(request: Request) -> Response:
            with self.store.lock:
                credentials = self.store.config.momo_products[product]
                if request.headers.get("ocp-apim-subscription-key") != credentials["subscription_key"]:
                    return Response(401, BAD_SUBSCRIPTION_KEY)
                token = request.headers.get("authorization", "").removeprefix("Bearer ")
                issued = self.store.momo_tokens.get(token)
                if issued is None or issued[0] != product or issued[1] <= self.store.clock.now():
                    return error(401, "UNAUTHORIZED", "Access token is missing, invalid or expired.")
                if request.headers.get("x-target-environment") != self.store.config.momo_target_environment:
                    return error(400, "INVALID_TARGET_ENVIRONMENT", "X-Target-Environment does not match.")
                try:
                    return handler(request)
                except BadRequest as problem:
                    return error(400, "INVALID_REQUEST", str(problem))

        return wrapped

    def token(self, request: Request) -> Response:
        product = request.params["product"]
        credentials = self.store.config.momo_products[product]
        expected = base64.b64encode(f"{credentials['api_user']}:{credentials['api_key']}".encode()).decode()
        if request.headers.get("ocp-apim-subscription-key") != credentials["subscription_key"]:
            return Response(401, BAD_SUBSCRIPTION_KEY)
        if request.headers.get("authorization") != f"Basic {expected}":
            return Response(401, {"error": "login_failed"})
        token = secrets.token_urlsafe(24)
        lifetime = self.store.config.momo_token_seconds
        self.store.momo_tokens[token] = (product, self.store.clock.now() + lifetime)
        return Response(200, {"access_token": token, "token_type": "access_token", "expires_in": lifetime})

    # Writes ------------------------------------------------------------------------------

    def request_to_pay(self, request: Request) -> Response:
        return self._create(request, "requesttopay", "payer")

    def transfer(self, request: Request) -> Response:
        return self._create(request, "transfer", "payee")

    def refund(self, request: Request) -> Response:
        body = request.json_object()
        original = self.store.momo["requesttopay"].get(str(body.get("referenceIdToRefund") or ""))
        if original is None or original["status"] != "SUCCESSFUL":
            return error(400, "INVALID_REFERENCE_ID_TO_REFUND", "referenceIdToRefund is not a successful payment.")
        return self._create(request, "refund", None, original=original)

    def _create(self, request: Request, kind: str, party_field: str | None, original: dict | None = None) -> Response:
        request_id = request.headers.get("x-reference-id", "")
        if not _is_uuid4(request_id):
            return error(400, "INVALID_REFERENCE_ID", "X-Reference-Id must be a UUID version 4.")
        if request_id in self.store.momo[kind]:
            return Response(409, DUPLICATE)
        body = request.json_object()
        problem = self._validate(body, party_field)
        if problem:
            return error(400, "INVALID_REQUEST", problem)
        amount = Decimal(body["amount"])
        if original is not None and amount > Decimal(original["amount"]) - original.setdefault("_refunded", Decimal(0)):
            return error(400, "INVALID_AMOUNT", "Refund amount is more than what is left on the payment.")

        record = {
            "amount": body["amount"],
            "currency": body["currency"],
            "externalId": str(body.get("externalId") or ""),
            "payerMessage": str(body.get("payerMessage") or ""),
            "payeeNote": str(body.get("payeeNote") or ""),
            "status": "PENDING",
            "_callback": request.headers.get("x-callback-url", ""),
        }
        if party_field:
            record[party_field] = body[party_field]
        else:
            record["referenceIdToRefund"] = body["referenceIdToRefund"]
            original["_refunded"] += amount
        self.store.momo[kind][request_id] = record

        posts_key = f"momo:{request_id}"
        self.store.charge_posts[posts_key] = self.store.charge_posts.get(posts_key, 0) + 1
        scenario = self._scenario_for(kind, record)
        self._start(kind, record, scenario)
        if scenario.flaky_first_post:
            if self.store.config.flaky_mode == "hang":
                return Response(500, None, delay=self.store.config.hang_seconds)
            return error(500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred.")
        return Response(202, None)

    def _validate(self, body: dict[str, Any], party_field: str | None) -> str | None:
        try:
            amount = Decimal(str(body.get("amount")))
        except (InvalidOperation, ValueError):
            return "amount must be a number"
        if not isinstance(body.get("amount"), str) or not amount.is_finite() or amount <= 0:
            return "amount must be a positive number as a string"
        if body.get("currency") != self.store.config.momo_currency:
            return f"currency must be {self.store.config.momo_currency} in this environment"
        for name in ("payerMessage", "payeeNote"):
            text = body.get(name, "")
            if not isinstance(text, str) or len(text) > 160 or FORBIDDEN_TEXT.search(text):
                return f"{name} must be at most 160 characters without quotes, < > or &"
        if party_field:
            party = body.get(party_field)
            if (
                not isinstance(party, dict)
                or party.get("partyIdType") != "MSISDN"
                or not MSISDN.fullmatch(str(party.get("partyId") or ""))
            ):
                return f"{party_field} must be an MSISDN party"
        return None

    def _scenario_for(self, kind: str, record: dict[str, Any]) -> scenarios.Scenario:
        if kind == "requesttopay":
            return scenarios.for_msisdn(record["payer"]["partyId"])
        if kind == "transfer":
            outcome = scenarios.payout_outcome(record["payee"]["partyId"])
            if outcome == "failed":
                return scenarios.Scenario("payout_failed", "pending", later="failed", reason="PAYEE_NOT_FOUND")
            # MoMo has no reversal notice; a wallet ending in 2 simply succeeds.
            return scenarios.Scenario("payout", "pending", later="success")
        later = "failed" if self.store.config.refund_outcome == "failed" else "success"
        return scenarios.Scenario("refund", "pending", later=later, reason="INTERNAL_PROCESSING_ERROR")

    def _start(self, kind: str, record: dict[str, Any], scenario: scenarios.Scenario) -> None:
        record["_scenario"] = scenario
        if scenario.initial in ("success", "failed", "rejected"):
            self._finish(kind, record, scenario.initial, scenario.reason)
        elif scenario.later:
            delay = {
                "requesttopay": self.store.config.pending_seconds,
                "transfer": self.store.config.payout_seconds,
                "refund": self.store.config.refund_seconds,
            }[kind]
            self.store.schedule(delay, lambda: self._finish(kind, record, scenario.later, scenario.reason))

    def _finish(self, kind: str, record: dict[str, Any], outcome: str, reason: str) -> None:
        if record["status"] != "PENDING":
            return
        scenario = record["_scenario"]
        if scenario.bad_signature and outcome == "success":
            # MoMo callbacks have no signature to break; this payer's callback lies instead,
            # claiming success for a payment that failed, so only a status query shows the real outcome.
            record.update(status="FAILED", reason="INTERNAL_PROCESSING_ERROR")
            self._send_callback(kind, record, {**self._view(record), "status": "SUCCESSFUL"}, scenario.webhook_copies)
            return
        if outcome == "success":
            record["status"] = "SUCCESSFUL"
            record["financialTransactionId"] = str(self.store.next_id())
            self._move_money(kind, record)
        else:
            record["status"] = "REJECTED" if outcome == "rejected" else "FAILED"
            record["reason"] = reason
        self._send_callback(kind, record, self._view(record), scenario.webhook_copies)

    def _move_money(self, kind: str, record: dict[str, Any]) -> None:
        pesewas = int(Decimal(record["amount"]) * 100)
        self.store.momo_balance += pesewas if kind == "requesttopay" else -pesewas

    def _send_callback(self, kind: str, record: dict[str, Any], view: dict[str, Any], copies: int) -> None:
        url = record["_callback"]
        if not url or not is_loopback_url(url):
            return
        body = json.dumps(view).encode()
        self.store.emit("momo", f"momo.{kind}", body, url, method=self.store.config.momo_callback_method, copies=copies)

    # Reads -------------------------------------------------------------------------------

    def get_request(self, request: Request) -> Response:
        return self._get("requesttopay", request.params["request_id"])

    def get_transfer(self, request: Request) -> Response:
        return self._get("transfer", request.params["request_id"])

    def get_refund(self, request: Request) -> Response:
        return self._get("refund", request.params["request_id"])

    def _get(self, kind: str, request_id: str) -> Response:
        record = self.store.momo[kind].get(request_id)
        if record is None:
            return Response(404, NOT_FOUND)
        return Response(200, self._view(record))

    def holder_active(self, request: Request) -> Response:
        msisdn = request.params["msisdn"]
        return Response(200, {"result": bool(MSISDN.fullmatch(msisdn)) and scenarios.wallet_resolves(msisdn)})

    def holder_info(self, request: Request) -> Response:
        msisdn = request.params["msisdn"]
        if not MSISDN.fullmatch(msisdn) or not scenarios.wallet_resolves(msisdn):
            return Response(404, NOT_FOUND)
        given, _, family = scenarios.holder_name(msisdn).partition(" ")
        return Response(200, {"given_name": given, "family_name": family, "name": f"{given} {family}", "locale": "en"})

    def balance(self, request: Request) -> Response:
        cedis = Decimal(self.store.momo_balance) / 100
        return Response(200, {"availableBalance": f"{cedis:.2f}", "currency": self.store.config.momo_currency})

    @staticmethod
    def _view(record: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in record.items() if not key.startswith("_")}


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
