from typing import Any

from django.core.management.base import BaseCommand

from leads.services import leads_reseal


class Command(BaseCommand):
    help = (
        "Re-encrypt every lead's personal fields under the newest key of FIELD_ENCRYPTION_KEYS. Add the new "
        "key in front, deploy, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = leads_reseal()
        self.stdout.write(f"Re-encrypted {count} row(s) under the newest key.")
