from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from leads.services import leads_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise leads older than LEAD_RETENTION_DAYS (personal data removed, counts kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = leads_anonymise_expired()
        self.stdout.write(f"Anonymised {count} lead(s) older than {settings.LEAD_RETENTION_DAYS} days.")
