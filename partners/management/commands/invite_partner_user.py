"""Invite a person at a partner to the referral portal: `manage.py invite_partner_user --partner "St. Example
Hospital" --email person@hospital.example [--admin]`. The invitation goes by email (to the console under
`make run`); the address is never printed or logged."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.models import Partner, PartnerUser
from partners.services import partner_user_invite


class Command(BaseCommand):
    help = "Invite a partner's person to the referral portal (/partners/) by email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True, help="The partner's name, exactly as in the admin.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="The person's name, shown to their colleagues.")
        parser.add_argument(
            "--admin", action="store_true", help="A partner admin, who may invite and remove their colleagues."
        )

    def handle(self, *args: Any, partner: str, email: str, name: str, admin: bool, **options: Any) -> None:
        found = Partner.objects.filter(name=partner, is_active=True).first()
        if found is None:
            raise CommandError("No active partner has that name (see the admin's Partners page).")
        role = PartnerUser.Role.ADMIN if admin else PartnerUser.Role.MEMBER
        try:
            user = partner_user_invite(partner=found, email=email, role=role, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Invitation sent (partner user #{user.pk}, {user.get_role_display()})."))
