from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.models import Partner, Scope
from partners.services import api_key_issue, partner_get_or_create


class Command(BaseCommand):
    help = "Create an API key for a partner (or a site key with --site) and print it once; only its hash is kept."

    def add_arguments(self, parser: Any) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--partner", help="The partner's name; created if it does not exist (then --kind is needed).")
        who.add_argument("--site", help="A name for a content-only site key.")
        parser.add_argument("--kind", choices=Partner.Kind.values, help="The kind of a partner created here.")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated: {', '.join(Scope.values)}")
        parser.add_argument("--name", help="A label for the key (default: the partner's or site's name).")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        label = (options["name"] or options["partner"] or options["site"])[:50]
        try:
            partner = None
            if options["partner"]:
                partner = partner_get_or_create(name=options["partner"], kind=options["kind"])
            _, secret = api_key_issue(name=label, partner=partner, scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"API key for {label} ({', '.join(scopes)}), shown once; store it now:")
        self.stdout.write(secret)
