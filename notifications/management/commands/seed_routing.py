from typing import Any

from django.core.management.base import BaseCommand

from notifications.routing_defaults import routing_install


class Command(BaseCommand):
    help = "Install the default staff groups and routing rules (missing ones only). --demo adds demo staff."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="Also add synthetic demo staff (make run).")

    def handle(self, *args: Any, **options: Any) -> None:
        groups, rules = routing_install(demo_staff=options["demo"])
        self.stdout.write(f"Routing: {groups} group(s) and {rules} rule(s) created.")
