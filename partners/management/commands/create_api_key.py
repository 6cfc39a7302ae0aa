from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.models import Partner, Scope
from partners.services import api_key_issue, partner_get_or_create


class Command(BaseCommand):
    help = (
        "Create an API key for a partner (or a site key with --site) and print it once; only its hash is kept. "
        "With --publishable --origins …: a `pk_` key for the embeddable referral form on those origins' pages."
    )

    def add_arguments(self, parser: Any) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--partner", help="The partner's name; created if it does not exist (then --kind is needed).")
        who.add_argument("--site", help="A name for a content-only site key.")
        parser.add_argument("--kind", choices=Partner.Kind.values, help="The kind of a partner created here.")
        parser.add_argument("--scopes", help=f"Comma-separated: {', '.join(Scope.values)} (not with --publishable)")
        parser.add_argument("--name", help="A label for the key (default: the partner's or site's name).")
        parser.add_argument(
            "--publishable", action="store_true",
            help="A publishable key (pk_…) for the embeddable referral form: it may only send referrals, from "
            "pages of --origins.",
        )  # fmt: skip
        parser.add_argument(
            "--origins",
            help="With --publishable: comma-separated origins, e.g. https://partner.example,https://www.partner.example",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        publishable = options["publishable"]
        if publishable and (options["scopes"] or not options["partner"]):
            raise CommandError(
                "A publishable key belongs to a --partner and has one scope (referrals:write): no --scopes."
            )
        if not publishable and not options["scopes"]:
            raise CommandError("Say the key's --scopes (or make a --publishable key).")
        if options["origins"] and not publishable:
            raise CommandError("Only a --publishable key has --origins.")
        scopes = [scope.strip() for scope in (options["scopes"] or "").split(",") if scope.strip()]
        origins = [origin.strip() for origin in (options["origins"] or "").split(",") if origin.strip()]
        label = (options["name"] or options["partner"] or options["site"])[:50]
        try:
            partner = None
            if options["partner"]:
                partner = partner_get_or_create(name=options["partner"], kind=options["kind"])
            api_key, secret = api_key_issue(
                name=label, partner=partner, scopes=scopes, publishable=publishable, allowed_origins=origins
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if publishable:
            self.stdout.write(
                f"Publishable key for {label} (referrals:write, from {', '.join(api_key.allowed_origins)}). "
                "Not a secret (it goes in the partner's web page), but shown this once: only its hash is kept."
            )
            self.stdout.write(secret)
            self.stdout.write(f"The HTML to paste into the page: manage.py embed_snippet --key {secret}")
            return
        self.stdout.write(f"API key for {label} ({', '.join(scopes)}), shown once; store it now:")
        self.stdout.write(secret)
