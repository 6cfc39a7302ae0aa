"""Enrol a TOTP authenticator for a member of staff, and print its otpauth:// URI once.

The first device cannot be added in the admin by someone who needs a code to reach the admin: this command
runs on the server (`docker compose exec web python manage.py totp_enrol --username NAME`). Later devices can
be added here or on the admin's TOTP devices page.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a confirmed TOTP device for a user and print its otpauth:// URI (shown this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="authenticator", help="The device's name, shown at sign-in.")
        parser.add_argument(
            "--replace", action="store_true", help="Delete the user's other TOTP devices (a lost phone)."
        )

    def handle(self, *args: Any, username: str, name: str, replace: bool, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError("No user has that username.") from None
        with transaction.atomic():
            if replace:
                TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(
            "Add this to the authenticator app now, by typing it or as a QR code (e.g. `qrencode -t ansiutf8 "
            "'<uri>'`). It holds the device's secret and is not shown again:\n"
        )
        self.stdout.write(device.config_url)
        self.stdout.write(
            self.style.SUCCESS(f"\nDevice {device.name!r} enrolled. Sign in with its current code to check it.")
        )
