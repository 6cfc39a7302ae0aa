from typing import Any

from django.core.management.base import BaseCommand

from content.seeding import seed_content


class Command(BaseCommand):
    help = "Load the seed content (site profile, programs, therapies, the article, FAQs). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_content()
        summary = ", ".join(f"{count} {name}" for name, count in created.items() if count)
        self.stdout.write(
            self.style.SUCCESS(f"Seed content: created {summary}." if summary else "Seed content: up to date.")
        )
