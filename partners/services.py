"""What changes partners and their keys. Adapters (the admin, management commands, the portal) call these."""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from partners import selectors, turnstile
from partners.exceptions import HumanCheckExpired, HumanCheckFailed, HumanCheckMissing, HumanCheckWrongSite
from partners.models import PUBLISHABLE_KEY_PREFIX, PUBLISHABLE_SCOPES, ClientAPIKey, Partner


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
    *,
    name: str,
    partner: Partner | None,
    scopes: list[str],
    expiry_date: datetime | None = None,
    publishable: bool = False,
    allowed_origins: list[str] | None = None,
) -> tuple[ClientAPIKey, str]:
    """A new key and its secret. Only the hash is kept: the caller shows the secret once, then forgets it.

    A publishable key (`publishable=True`) gets the one scope it may have and the origins it may be used from;
    what its holder gets is `pk_<prefix>.<secret>`.
    """
    api_key = ClientAPIKey(
        name=name[:50],
        partner=partner,
        scopes=PUBLISHABLE_SCOPES if publishable else scopes,
        expiry_date=expiry_date,
        kind=ClientAPIKey.Kind.PUBLISHABLE if publishable else ClientAPIKey.Kind.SECRET,
        allowed_origins=allowed_origins or [],
    )
    api_key.clean()
    secret = ClientAPIKey.objects.assign_key(api_key)
    api_key.save()
    if publishable:
        selectors.publishable_origins_forget()
        return api_key, api_key_display(api_key=api_key, secret=secret)
    return api_key, secret


def api_key_display(*, api_key: ClientAPIKey, secret: str) -> str:
    """The key as its holder sends it: the library's `<prefix>.<secret>`, after `pk_` for a publishable key.

    The library hashes `<prefix>.<secret>` alone, so a publishable key is stored exactly like a secret one.
    """
    return PUBLISHABLE_KEY_PREFIX + secret if api_key.is_publishable else secret


# Turnstile's codes for a token that was good once: a person who waited too long, or a form sent twice.
_SPENT_TOKEN_CODES = {"timeout-or-duplicate"}
# Longer tokens are not Turnstile's (its documentation gives 2048 characters at most): refused unsent.
TURNSTILE_TOKEN_MAX_LENGTH = 2048


def embed_human_check_enabled() -> bool:
    return bool(settings.TURNSTILE_SECRET_KEY)


def embed_human_check(*, api_key: ClientAPIKey, token: str, client_ip: str) -> None:
    """Raise unless Turnstile vouches for `token` on a page of one of the key's origins; nothing when it is off.

    The hostname check matters: a token solved on any site that uses the same widget would pass otherwise.
    """
    if not embed_human_check_enabled():
        return
    token = token.strip()
    if not token or len(token) > TURNSTILE_TOKEN_MAX_LENGTH:
        raise HumanCheckMissing()
    result = turnstile.siteverify(token=token, remote_ip=client_ip)
    if not result.success:
        if _SPENT_TOKEN_CODES & set(result.error_codes):
            raise HumanCheckExpired()
        raise HumanCheckFailed()
    hosts = {urlsplit(origin).hostname for origin in api_key.allowed_origins}
    if result.hostname.lower() not in hosts:
        raise HumanCheckWrongSite()
