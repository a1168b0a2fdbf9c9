"""Settings for the ASGI server the messaging browser test starts: the test settings, faster polling.

DATABASE_URL (set by the test) points the server at the test's own database.
"""

from kelmah.settings.test import *  # noqa: F403

# Poll every 2 seconds instead of 10, so the fallback test does not wait long.
MESSAGING_POLL_SECONDS = 2
