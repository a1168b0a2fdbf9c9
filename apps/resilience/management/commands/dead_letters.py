"""manage.py dead_letters list | retry <id>... | retry --all"""

from django.core.management.base import BaseCommand, CommandError

from apps.resilience.models import DeadLetter
from apps.resilience.outbox import retry_dead_letter


class Command(BaseCommand):
    help = "List tasks in the dead-letter list, or queue them again."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "retry"])
        parser.add_argument("ids", nargs="*", type=int, help="dead letter ids to retry")
        parser.add_argument("--all", action="store_true", help="retry every letter not retried yet")

    def handle(self, *args, action, ids, **options):
        if action == "list":
            for letter in DeadLetter.objects.all()[:200]:
                retried = f" retried {letter.retried_at:%Y-%m-%d %H:%M}" if letter.retried_at else ""
                self.stdout.write(
                    f"#{letter.pk} {letter.task_name} attempts={letter.attempts} "
                    f"{letter.created_at:%Y-%m-%d %H:%M}{retried}: {letter.error[:100]}"
                )
            return
        if options["all"]:
            letters = list(DeadLetter.objects.filter(retried_at__isnull=True))
        elif ids:
            letters = list(DeadLetter.objects.filter(pk__in=ids))
            missing = set(ids) - {letter.pk for letter in letters}
            if missing:
                raise CommandError(f"No dead letter with id {', '.join(map(str, sorted(missing)))}.")
        else:
            raise CommandError("Give dead letter ids or --all.")
        for letter in letters:
            message = retry_dead_letter(letter)
            self.stdout.write(f"#{letter.pk} {letter.task_name}: queued again as outbox #{message.pk}")
