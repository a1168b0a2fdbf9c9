"""manage.py faults list | set <target> <mode> | clear [<target>]"""

from django.core.management.base import BaseCommand, CommandError

from apps.modules import faults


class Command(BaseCommand):
    help = "List, set or clear injected faults (modes: raise, hang, slow=<ms>, fail-rate=<0..1>)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="action", required=True)
        subcommands.add_parser("list", help="Show the faults in force and every valid target.")
        set_parser = subcommands.add_parser("set", help="Inject a fault into a target until cleared.")
        set_parser.add_argument("target", help="A module (jobs), a module part (jobs.db) or a dependency (cache).")
        set_parser.add_argument("mode", help="raise, hang, slow=<ms> or fail-rate=<0..1>")
        clear = subcommands.add_parser("clear", help="Remove the fault on a target, or every fault.")
        clear.add_argument("target", nargs="?")

    def handle(self, *args, action, **options):
        faults.reset_cache()
        if action == "list":
            self._list()
            return
        if action == "clear":
            removed = faults.fault_clear(target=options["target"])
            self.stdout.write(self.style.SUCCESS(f"Cleared {removed} fault(s)."))
            return
        try:
            rule = faults.fault_set(target=options["target"], spec=options["mode"])
        except (faults.FaultInjectionDisabled, faults.InvalidFault) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.WARNING(f"Fault injected on {rule.target}: {rule.spec}"))

    def _list(self) -> None:
        if not faults.injection_allowed():
            self.stdout.write("Fault injection is disabled by the settings (KELMAH_ALLOW_FAULT_INJECTION).")
        active = faults.active_faults()
        self.stdout.write("Faults in force:")
        if not active:
            self.stdout.write("  none")
        for target, rule in sorted(active.items()):
            self.stdout.write(f"  {target:<24} {rule.spec}")
        self.stdout.write("Targets:")
        for target, description in sorted(faults.known_targets().items()):
            self.stdout.write(f"  {target:<24} {description}")
