"""manage.py relay_outbox: publish pending outbox rows now (what the beat sweep does)."""

from django.core.management.base import BaseCommand

from apps.resilience.tasks import relay_outbox


class Command(BaseCommand):
    help = "Publish every due outbox row to the broker now."

    def handle(self, *args, **options):
        published = relay_outbox()
        self.stdout.write(f"Published {published} outbox message(s).")
