"""Run breaker actions in a separate OS process: python -m tests.resilience.breaker_process ACTION NAME.

Prints one JSON line with the breaker's state as this process sees it. The store comes
from RESILIENCE_BREAKER_STORE in the environment (read by the test settings helper below).
"""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelmah.settings.test")
    import django
    from django.conf import settings

    django.setup()
    settings.RESILIENCE_BREAKER_STORE = os.environ["BREAKER_STORE"]
    settings.RESILIENCE_BREAKER_STORE_RETRY_SECONDS = 60
    # Long enough that a slow-starting third process still finds the breaker open.
    settings.RESILIENCE_BREAKERS = {"sms": {"open_seconds": 120, "max_open_seconds": 300}}

    from apps.resilience.breakers import BreakerOpen, breaker

    action, name = sys.argv[1], sys.argv[2]
    target = breaker(name)
    outcomes = []
    if action == "trip":
        for _ in range(10):
            try:
                target.call(_refused)
            except ConnectionError:
                outcomes.append("failed")
            except BreakerOpen:
                outcomes.append("fast-failed")
    elif action == "claim":
        # Ask for a permit and never report back, as a probe still in flight would.
        try:
            outcomes.append("probe" if target.allow().probe else "closed")
        except BreakerOpen:
            outcomes.append("fast-failed")
    elif action == "call":
        try:
            outcomes.append(target.call(lambda: "ok"))
        except BreakerOpen:
            outcomes.append("fast-failed")
    info = target.describe()
    print(
        json.dumps(
            {
                "state": info["state"],
                "opened_at": info["opened_at"].isoformat() if info["opened_at"] else None,
                "shared": info["shared"],
                "outcomes": outcomes,
            }
        )
    )


def _refused():
    raise ConnectionError("refused")


if __name__ == "__main__":
    main()
