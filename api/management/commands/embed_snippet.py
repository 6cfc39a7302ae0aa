from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from api.embed import VERSIONED_URL_PATH, referral_script, snippet


class Command(BaseCommand):
    help = (
        "Print the embeddable referral form's SRI hash (sha384) and the two lines of HTML a partner pastes into a "
        "page, for a publishable key (create_api_key --publishable)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--key", default="pk_…", help="The partner's publishable key (pk_…).")
        parser.add_argument("--lang", choices=["en", "es"], default="en", help="The form's language.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{settings.PUBLIC_API_URL}{VERSIONED_URL_PATH}")
        self.stdout.write(f"SRI: {referral_script().integrity}")
        self.stdout.write("Paste into the partner's page:")
        self.stdout.write(
            snippet(key=options["key"], lang=options["lang"], turnstile_site_key=settings.TURNSTILE_SITE_KEY)
        )
