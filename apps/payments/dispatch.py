"""The one way the payments and contracts apps start background work: the resilience outbox.

The outbox row is written in the caller's transaction, so a task exists exactly when the
change that needs it commits; the relay publishes it after commit and the beat sweep
publishes whatever a failed relay left behind.
"""

from apps.resilience.outbox import enqueue


def dispatch(task_name: str, *, kwargs: dict, dedupe_key: str | None = None, countdown: int = 0) -> None:
    """Queue the durable task `task_name(**kwargs)` to run after the current transaction commits."""
    enqueue(task_name, kwargs=kwargs, dedupe_key=dedupe_key, countdown=countdown)
