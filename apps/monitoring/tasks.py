"""Background work of monitoring: the periodic status evaluation and the alert emails."""

import logging

from celery import shared_task

from apps.monitoring.alerts import ALERT_TASK, alert_send

logger = logging.getLogger(__name__)

EVALUATE_TASK = "monitoring.evaluate_health"
HEARTBEAT_TASK = "monitoring.worker_heartbeat"


try:
    from apps.resilience.durable import durable_task
except ImportError:  # the resilience layer is missing: a plain task, run once per delivery
    durable_task = None


def _send_alert(*, incident_id: int, kind: str) -> None:
    alert_send(incident_id=incident_id, kind=kind)


send_alert = (
    durable_task(ALERT_TASK, max_retries=5)(_send_alert)
    if durable_task
    else shared_task(name=ALERT_TASK, ignore_result=True)(_send_alert)
)


@shared_task(name=EVALUATE_TASK, ignore_result=True, time_limit=60, soft_time_limit=50)
def evaluate_health() -> int:
    """Evaluate every subject's status and move incidents along; return the unresolved count."""
    from apps.monitoring.evaluation import evaluate

    return evaluate()


@shared_task(name=HEARTBEAT_TASK, ignore_result=True, time_limit=30, soft_time_limit=25)
def worker_heartbeat() -> None:
    """Record that a worker took a task from the default queue, for brokers that cannot ping."""
    from apps.monitoring.metrics import worker_heartbeat_record

    worker_heartbeat_record()
