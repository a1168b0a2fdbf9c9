"""The Paystack subset: mobile money charges, transfers to wallets, refunds, balance and settlements.

Every response uses Paystack's envelope {status, message, data} and every call needs
`Authorization: Bearer <secret key>`. Amounts are pesewas and phones local (0XXXXXXXXX).
The handlers live in one module per group: paystack_charges, paystack_transfers,
paystack_refunds and paystack_ledger.
"""

from __future__ import annotations

from fakepay.paystack_charges import Charges
from fakepay.paystack_common import fail
from fakepay.paystack_ledger import Ledger
from fakepay.paystack_refunds import Refunds
from fakepay.paystack_transfers import Transfers
from fakepay.routing import BadRequest, Request, Response, Router
from fakepay.store import Store


class PaystackApi:
    def __init__(self, store: Store):
        self.store = store
        self.charges = Charges(store)
        self.parts = [self.charges, Transfers(store), Refunds(store), Ledger(store)]

    def register(self, router: Router) -> None:
        for part in self.parts:
            for method, pattern, handler in part.routes():
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
