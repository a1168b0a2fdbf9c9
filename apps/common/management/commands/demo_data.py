"""Load Kelmah's demo data: Ghanaian workers, hirers, jobs in every state, and applications.

manage.py demo_data                 load what is missing (safe to run again)
manage.py demo_data --check-loaded  print "loaded" or "empty"
manage.py demo_data --accounts      print the demo accounts and their password
"""

import logging

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from apps.common.management.demo import loader

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Load deterministic demo data through the apps' services; running it again adds nothing."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check-loaded", action="store_true", help='Print "loaded" when the demo data is complete, else "empty".'
        )
        group.add_argument("--accounts", action="store_true", help="Print the demo accounts to log in with.")

    def handle(self, *args, check_loaded=False, accounts=False, **options):
        if check_loaded:
            self.stdout.write("loaded" if loader.is_loaded() else "empty")
            return
        if accounts:
            self._print_accounts()
            return

        self.stdout.write("Loading demo data...")
        demo = self._load()
        if demo.created:
            summary = ", ".join(f"{count} {kind}" for kind, count in demo.created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {summary}."))
        else:
            self.stdout.write("The demo data was already loaded; nothing to add.")

    def _load(self) -> loader.DemoContext:
        """Load with email sent from this process dropped, since demo users have made-up addresses.

        NOTE: emails that services queue through the outbox are still relayed to the
        background worker, which prints them on the embedded default's console backend.
        """
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            return loader.load_all(self.stdout)

    def _print_accounts(self) -> None:
        self.stdout.write(f"Demo accounts (password for every one: {loader.PASSWORD}):")
        for account in loader.DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:<22} {account.role:<7} {account.name}, {account.description}")
        self.stdout.write(f"  Other demo users log in as firstname.lastname@demo.{loader.DEMO_DOMAIN}.")
