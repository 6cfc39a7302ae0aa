"""What changes partners and their keys. Adapters (the admin, management commands, the portal) call these."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from partners.models import ClientAPIKey, Partner


def partner_get_or_create(*, name: str, kind: str | None) -> Partner:
    """The partner called `name`; a new one needs its kind (nobody is filed as a "clinician" by default)."""
    partner = Partner.objects.filter(name=name).first()
    if partner is not None:
        return partner
    if kind not in Partner.Kind.values:
        raise ValidationError(
            {"kind": f"{name!r} is a new partner: say its kind, one of {', '.join(Partner.Kind.values)}."}
        )
    partner = Partner(name=name, slug=slugify(name)[:200], kind=kind)
    partner.full_clean()
    partner.save()
    return partner


def api_key_issue(
    *, name: str, partner: Partner | None, scopes: list[str], expiry_date: datetime | None = None
) -> tuple[ClientAPIKey, str]:
    """A new key and its secret. Only the hash is kept: the caller shows the secret once, then forgets it."""
    api_key = ClientAPIKey(name=name[:50], partner=partner, scopes=scopes, expiry_date=expiry_date)
    api_key.clean()
    secret = ClientAPIKey.objects.assign_key(api_key)
    api_key.save()
    return api_key, secret
