"""The operations dashboard fits a 360 px phone screen without sideways scrolling."""

import pytest

from apps.accounts.models import Role
from apps.monitoring.models import Incident, IncidentStatus, SubjectStatus
from tests.browser.conftest import browser, live_server, log_in, page  # noqa: F401
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 800}
LONG_SUMMARY = "ConnectionRefusedError: [Errno 111] Connection refused while calling the provider's collect endpoint"


def test_ops_page_fits_phone_width(page, log_in):  # noqa: F811
    make_user(role=Role.STAFF, name="Selorm Agbeko", email="ops@example.com")
    for subject in ("dependency:payment-provider", "module:notifications", "breaker:payments.provider.collect"):
        Incident.objects.create(
            subject=subject,
            severity=SubjectStatus.FAILED,
            status=IncidentStatus.OPEN,
            summary=LONG_SUMMARY,
        )
    page.set_viewport_size(PHONE)
    log_in(page, "ops@example.com", PASSWORD)

    page.goto("/ops/")
    page.wait_for_selector("#ops-live")
    widths = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > 361)
                .slice(0, 8)
                .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`);
            return {scroll: document.documentElement.scrollWidth, wide};
        }"""
    )

    assert widths["scroll"] <= PHONE["width"], widths["wide"]
