from typing import Any

from django.core.management.base import BaseCommand

from accounts.roles import roles_install


class Command(BaseCommand):
    help = "Install the staff roles (groups with exactly their permissions; see docs/roles.md). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in roles_install().items():
            self.stdout.write(f"{name}: {count} permissions")
