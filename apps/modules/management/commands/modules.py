"""manage.py modules list | off <module> [--reason TEXT] | on <module>"""

from django.core.management.base import BaseCommand, CommandError

from apps.modules import maintenance, registry
from apps.modules.breaker import get_breaker


class Command(BaseCommand):
    help = "List modules, or switch a module off for maintenance and back on."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="action", required=True)
        subcommands.add_parser("list", help="Show every module, whether it is on, critical, and its fragments.")
        off = subcommands.add_parser("off", help="Switch a module off: its pages and API answer 503.")
        off.add_argument("module")
        off.add_argument("--reason", default="", help="Shown to users on the maintenance partial.")
        on = subcommands.add_parser("on", help="Switch a module back on.")
        on.add_argument("module")

    def handle(self, *args, action, **options):
        maintenance.reset_cache()
        if action == "list":
            self._list()
            return
        try:
            if action == "off":
                maintenance.module_switch_off(module_name=options["module"], reason=options["reason"])
            else:
                maintenance.module_switch_on(module_name=options["module"])
        except maintenance.MaintenanceError as error:
            raise CommandError(str(error)) from None
        state = "off (maintenance)" if action == "off" else "on"
        self.stdout.write(self.style.SUCCESS(f"Module {options['module']} is now {state}."))

    def _list(self) -> None:
        self.stdout.write(f"{'module':<15} {'state':<6} {'critical':<9} {'breaker':<10} fragments")
        for module in registry.all_modules():
            off = maintenance.switched_off(module.name)
            state = "off" if off else "on"
            critical = "yes" if module.critical else "no"
            fragments = ", ".join(sorted(module.fragments)) or "-"
            breaker = get_breaker(module.name).state
            line = f"{module.name:<15} {state:<6} {critical:<9} {breaker:<10} {fragments}"
            if off and off.reason:
                line += f"  (reason: {off.reason})"
            self.stdout.write(line)
