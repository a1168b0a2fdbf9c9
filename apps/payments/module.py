"""The payments module: escrow, wallets, payouts and mobile-money providers.

It is not critical: when it fails or is switched off, other modules keep working.
Its dashboard fragments live in apps/payments/fragments.py.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.modules.registry import HealthResult, Module, register
from apps.payments import fragments
from apps.resilience.breakers import breaker


def provider_health() -> HealthResult:
    """Warn while the configured provider's circuit breaker is open: funding is refused, the rest works."""
    provider_breaker = breaker(f"provider:{settings.KELMAH_PAYMENT_PROVIDER}")
    if provider_breaker.is_open:
        return HealthResult("warn", f"{provider_breaker.name} breaker is {provider_breaker.state}")
    return HealthResult("ok", f"{provider_breaker.name} breaker is {provider_breaker.state}")


module = register(Module("payments", verbose_name=_("Payments"), health_check=provider_health))

module.add_fragment("wallet_summary", fragments.wallet_summary, label=_("your money"))
