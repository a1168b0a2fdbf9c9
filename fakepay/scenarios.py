"""What happens to a payment, decided by the payer's number (local form 0XXXXXXXXX).

| payer        | outcome                                                                 |
|--------------|-------------------------------------------------------------------------|
| 0551234987   | succeeds at once; webhook sent                                          |
| 0551234980   | pending, succeeds after `pending_seconds`; webhook sent                 |
| 0551234981   | pending, fails after `pending_seconds` with NOT_ENOUGH_FUNDS            |
| 0551234982   | pending for ever; no webhook                                            |
| 0551234983   | succeeds at once; the webhook is delivered twice                        |
| 0551234984   | succeeds at once; no webhook (the caller must poll)                     |
| 0551234985   | the first charge POST records success, then answers 500 or hangs        |
| 0201234987   | Telecel: asks for an OTP (voucher); 123456 succeeds, anything else fails |
| 0551234986   | succeeds at once; the webhook carries a bad signature                   |
| anything else| succeeds at once; webhook sent                                          |

MoMo sandbox payers keep MTN's meanings: 46733123450 FAILED, 46733123451 REJECTED,
46733123452 EXPIRED, 46733123453 pending for ever, 46733123454 pending then SUCCESSFUL;
other sandbox numbers succeed. Ghana MSISDNs (233...) follow the table above.

Payout wallets by last digit: 0 (and anything but 1 or 2) succeed, 1 fail, 2 succeed and
are reversed `reversal_seconds` later. Wallets ending in 9 do not resolve to a holder.
"""

from __future__ import annotations

from dataclasses import dataclass

VALID_OTP = "123456"
OTP_PAYER = "0201234987"
FLAKY_PAYER = "0551234985"


@dataclass(frozen=True)
class Scenario:
    name: str
    # "success", "failed" or "pending" as the charge's first state after the POST.
    initial: str
    # Outcome after pending_seconds, or None to stay as is.
    later: str | None = None
    reason: str = ""
    webhook_copies: int = 1
    bad_signature: bool = False
    needs_otp: bool = False
    flaky_first_post: bool = False


SCENARIOS = {
    "0551234987": Scenario("success", "success"),
    "0551234980": Scenario("delayed_success", "pending", later="success"),
    "0551234981": Scenario("delayed_failure", "pending", later="failed", reason="NOT_ENOUGH_FUNDS"),
    "0551234982": Scenario("pending_forever", "pending", webhook_copies=0),
    "0551234983": Scenario("duplicate_webhook", "success", webhook_copies=2),
    "0551234984": Scenario("no_webhook", "success", webhook_copies=0),
    FLAKY_PAYER: Scenario("first_post_fails", "success", flaky_first_post=True),
    OTP_PAYER: Scenario("otp", "otp", needs_otp=True),
    "0551234986": Scenario("bad_signature", "success", bad_signature=True),
}
DEFAULT_SCENARIO = Scenario("success", "success")

MOMO_SANDBOX = {
    "46733123450": Scenario("sandbox_failed", "failed", reason="INTERNAL_PROCESSING_ERROR"),
    "46733123451": Scenario("sandbox_rejected", "rejected", reason="APPROVAL_REJECTED"),
    "46733123452": Scenario("sandbox_expired", "failed", reason="EXPIRED"),
    "46733123453": Scenario("sandbox_ongoing", "pending", webhook_copies=0),
    "46733123454": Scenario("sandbox_delayed", "pending", later="success"),
}

# Paystack's free-text gateway_response for each failure reason.
GATEWAY_RESPONSES = {
    "NOT_ENOUGH_FUNDS": "Insufficient funds in wallet",
    "INVALID_OTP": "Invalid OTP provided",
    "COULD_NOT_PERFORM_TRANSACTION": "Transaction timed out",
}


def for_payer(local_phone: str) -> Scenario:
    return SCENARIOS.get(local_phone, DEFAULT_SCENARIO)


def for_msisdn(msisdn: str) -> Scenario:
    """Return the scenario for a MoMo payer MSISDN (sandbox 4673312345x or Ghana 233XXXXXXXXX)."""
    if msisdn in MOMO_SANDBOX:
        return MOMO_SANDBOX[msisdn]
    if msisdn.startswith("233") and len(msisdn) == 12:
        scenario = for_payer("0" + msisdn[3:])
        if scenario.needs_otp:
            # MoMo has no OTP step; the Telecel OTP payer is not an MTN wallet anyway.
            return Scenario("not_mtn", "failed", reason="PAYER_NOT_FOUND")
        return scenario
    return DEFAULT_SCENARIO


def payout_outcome(wallet: str) -> str:
    """Return "failed", "reversed" or "success" for a payout wallet by its last digit."""
    last = wallet[-1:] if wallet else ""
    return {"1": "failed", "2": "reversed"}.get(last, "success")


def wallet_resolves(wallet: str) -> bool:
    return not wallet.endswith("9")


HOLDER_NAMES = (
    "Kwame Mensah",
    "Ama Boateng",
    "Kofi Owusu",
    "Akosua Asante",
    "Nii Tetteh",
    "Naa Quaye",
    "Selorm Agbeko",
    "Dzifa Adjei",
    "Fuseini Mahama",
    "Abena Ofori",
)


def holder_name(wallet: str) -> str:
    """Return a stable made-up holder name for a wallet number."""
    digits = [int(char) for char in wallet if char in "0123456789"]
    return HOLDER_NAMES[sum(digits) % len(HOLDER_NAMES)]
