import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads.rollups import rollup_mark_all, rollup_refresh


class Command(BaseCommand):
    help = (
        "Bring the dashboard's roll-up up to date: rebuild the days changes marked (beat does it every minute). "
        "--all rebuilds every day that has leads (after writing leads with QuerySet.update or bulk_create, or a "
        "change of BUSINESS_TIME_ZONE, BUSINESS_HOURS or BUSINESS_DAYS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="rebuild every day that has leads")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["all"]:
            rollup_mark_all()
        days = rollup_refresh()
        self.stdout.write(f"Dashboard roll-up: {days} day(s) rebuilt in {time.perf_counter() - started:.1f}s.")
