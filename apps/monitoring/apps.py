from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "apps.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from apps.monitoring import conf, receivers

        conf.validate(conf.load())
        receivers.connect()
        self._schedule_evaluation()

    @staticmethod
    def _schedule_evaluation() -> None:
        """Add the status evaluation and the worker heartbeat to the beat schedule in settings."""
        from django.conf import settings

        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict):
            # Every 15 s: an outage shows as an incident within about one check cycle.
            schedule.setdefault("monitoring-evaluate-health", {"task": "monitoring.evaluate_health", "schedule": 15.0})
            # Every 30 s: on the filesystem broker this heartbeat is the only sign of a live worker.
            schedule.setdefault(
                "monitoring-worker-heartbeat", {"task": "monitoring.worker_heartbeat", "schedule": 30.0}
            )
