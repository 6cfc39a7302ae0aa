from typing import Any

from django.core.management.base import BaseCommand, CommandError

from content.services import content_problems


class Command(BaseCommand):
    help = (
        "Report content rows that the current validation rules refuse (shapes of hours, crisis resources, calls "
        "to action, lists, bodies, image blocks naming an image no longer in the media library), one line per "
        "field; exits 1 when there are any. Changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = content_problems()
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            rows = len({(problem.model, problem.pk) for problem in problems})
            raise CommandError(f"{len(problems)} problem(s) in {rows} row(s): fix them in the admin.")
        self.stdout.write(self.style.SUCCESS("Content check: every row is valid."))
