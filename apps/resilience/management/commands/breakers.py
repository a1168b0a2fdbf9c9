"""manage.py breakers list | open <name> | close <name> | reset <name>"""

from django.core.management.base import BaseCommand, CommandError

from apps.resilience.breakers import all_breakers, breaker


class Command(BaseCommand):
    help = "List circuit breakers, or force one open, closed, or back to normal (reset)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "open", "close", "reset"])
        parser.add_argument("name", nargs="?", help="breaker name, for example redis or provider:momo")
        parser.add_argument("--reason", default="", help="why, recorded in the log and the breaker state")

    def handle(self, *args, action, name, reason, **options):
        if action == "list":
            self._list()
            return
        if not name:
            raise CommandError(f"'{action}' needs a breaker name; see `manage.py breakers list`.")
        target = breaker(name)
        reason = reason or f"{action} from manage.py"
        {"open": target.force_open, "close": target.force_close, "reset": target.reset}[action](reason=reason)
        self.stdout.write(f"{name}: {target.state}")

    def _list(self):
        rows = [b.describe() for b in all_breakers()]
        self.stdout.write(f"{'name':<24} {'state':<14} {'trips':>5} {'calls':>6} {'fails':>6}  opened at / reason")
        for row in rows:
            opened = row["opened_at"].isoformat(timespec="seconds") if row["opened_at"] else "-"
            shared = "" if row["shared"] else " (this process only: store unreachable)"
            self.stdout.write(
                f"{row['name']:<24} {row['state']:<14} {row['trips']:>5} {row['window_calls']:>6} "
                f"{row['window_failures']:>6}  {opened} {row['reason']}{shared}"
            )
