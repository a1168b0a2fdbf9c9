"""Celery worker liveness: a worker must answer a ping, and every required queue must have one.

The check follows health_check.contrib.celery.Ping, with two changes: on brokers that do not
carry Celery's remote-control messages it warns instead of failing or passing, and a reply
that is not a well-formed pong fails the check instead of being counted as a worker.
"""

import dataclasses
import datetime
import logging

from celery import Celery
from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from apps.monitoring import conf
from apps.monitoring.checks import observed

logger = logging.getLogger(__name__)

PONG = {"ok": "pong"}
# kombu transports whose broadcast messages never reach workers in other processes, so
# ping and inspect cannot see them.
NO_REMOTE_CONTROL_TRANSPORTS = frozenset({"filesystem", "memory"})


class MalformedReply(ServiceUnavailable):
    """A worker replied to the ping with something other than a pong."""


def _default_app() -> Celery:
    from kelmah.celery import app

    return app


def parse_ping_replies(replies) -> list[str]:
    """Return the names of the workers that replied with a well-formed pong.

    `replies` is what Celery's control.ping returns: a list of one-entry mappings,
    {worker_name: {"ok": "pong"}}. Raises MalformedReply naming the first bad entry.
    """
    if not isinstance(replies, list):
        raise MalformedReply(f"Ping replies are a {type(replies).__name__}, not a list")
    workers = []
    for reply in replies:
        if not isinstance(reply, dict) or len(reply) != 1:
            raise MalformedReply(f"Malformed ping reply: {str(reply)[:80]!r}")
        ((worker, answer),) = reply.items()
        if not isinstance(worker, str) or answer != PONG:
            raise MalformedReply(f"Worker {str(worker)[:60]} replied {str(answer)[:60]!r} instead of a pong")
        workers.append(worker)
    return workers


# A heartbeat task is scheduled every 30 s; five missed beats mean no worker is running it.
HEARTBEAT_STALE_SECONDS = 150


def heartbeat_verdict(transport: str) -> Exception:
    """Return the warning (or, with a stale heartbeat, the failure) for a broker that cannot ping."""
    from apps.monitoring.metrics import worker_heartbeat_age

    message = (
        f"Worker liveness is unknown: the {transport} broker does not carry Celery's remote-control "
        "messages, so workers cannot be pinged."
    )
    try:
        age = worker_heartbeat_age()
    except Exception:  # the metrics store is down, so there is no heartbeat to read
        age = None
        message += " The worker heartbeat cannot be read."
    else:
        if age is None:
            message += " No worker heartbeat has been recorded yet; check that the worker and beat run."
        elif age > HEARTBEAT_STALE_SECONDS:
            failure = f"No worker has run the heartbeat task for {age:.0f} s; the worker or beat is down."
            return observed(ServiceUnavailable(failure), round(age), "s")
        else:
            message += f" A worker ran the heartbeat task {age:.0f} s ago."
    return observed(ServiceWarning(message), "unknown")


def required_queue_names(app: Celery) -> set[str]:
    configured = conf.get().required_queues
    if configured:
        return set(configured)
    queues = app.conf.task_queues
    if queues:
        return {queue.name for queue in queues}
    return {app.conf.task_default_queue}


@dataclasses.dataclass
class WorkerCheck(HealthCheck):
    """Ping the workers, then make sure each required queue has a consumer among them."""

    app: Celery = dataclasses.field(default_factory=_default_app, repr=False)
    # Seconds to collect ping replies, and again to collect queue lists; a worker that
    # replies later than this counts as absent.
    reply_timeout: float = dataclasses.field(default=0.5, repr=False)
    # Broker to use with a custom `app`; the site's app follows CELERY_BROKER_URL.
    broker_url: str | None = dataclasses.field(default=None, repr=False)
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1.5), repr=False)

    def run(self):
        with self.connection() as connection:
            transport = connection.transport.driver_type
            if transport in NO_REMOTE_CONTROL_TRANSPORTS:
                raise heartbeat_verdict(transport)
            try:
                connection.ensure_connection(max_retries=0, timeout=self.reply_timeout)
            except Exception as error:  # kombu raises transport-specific errors
                raise ServiceUnavailable(f"Broker unreachable: {type(error).__name__}") from error

            workers = parse_ping_replies(self.collect_ping_replies(connection))
            if not workers:
                raise observed(ServiceUnavailable("No Celery worker replied to the ping"), 0)

            missing = sorted(required_queue_names(self.app) - self.consumed_queues(connection, workers))
        if missing:
            raise observed(ServiceUnavailable(f"No worker consumes queue {', '.join(missing)}"), len(workers))
        return len(workers)

    def connection(self):
        """Open a broker connection from the current settings, or the app's own for a custom app."""
        url = self.broker_url or (getattr(settings, "CELERY_BROKER_URL", None) if self.app is _default_app() else None)
        return self.app.connection_for_write(url=url)

    def collect_ping_replies(self, connection):
        """Return the raw replies to a ping: the seam where replies are parsed."""
        try:
            return self.app.control.ping(timeout=self.reply_timeout, connection=connection)
        except OSError as error:
            raise ServiceUnavailable(f"Broker unreachable: {type(error).__name__}") from error

    def consumed_queues(self, connection, workers: list[str]) -> set[str]:
        inspector = self.app.control.inspect(destination=workers, timeout=self.reply_timeout, connection=connection)
        try:
            answers = inspector.active_queues() or {}
        except OSError as error:
            raise ServiceUnavailable(f"Broker unreachable: {type(error).__name__}") from error
        names = set()
        for queues in answers.values():
            for queue in queues or ():
                if isinstance(queue, dict) and isinstance(queue.get("name"), str):
                    names.add(queue["name"])
        return names
