"""Timers on contracts."""

import logging

from celery import shared_task

from apps.contracts import services

logger = logging.getLogger(__name__)


@shared_task(name="contracts.auto_approve_delivered", ignore_result=True)
def auto_approve_delivered() -> int:
    """Beat: approve milestones delivered more than the auto-approval period ago; return how many."""
    approved = 0
    for milestone_id in services.milestones_due_for_auto_approval():
        if services.milestone_auto_approve(milestone_id=milestone_id):
            approved += 1
    if approved:
        logger.info("milestones auto-approved", extra={"count": approved})
    return approved
