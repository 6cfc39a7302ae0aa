"""`Authorization: Api-Key <key>`: who is calling, and with which scopes."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from partners.models import PUBLISHABLE_KEY_PREFIX, ClientAPIKey
from partners.selectors import api_key_by_prefix
from partners.services import api_key_record_use

KEYWORD = "Api-Key"
# What djangorestframework-api-key issues: an 8-character prefix, a dot, a 32-character secret; `pk_` before
# it for a publishable key (partners.models).
_KEY_SHAPE = re.compile(r"(?:pk_)?[A-Za-z0-9]{1,16}\.[A-Za-z0-9]{1,64}")


class PublishableKeyNotAllowed(PermissionDenied):
    default_detail = _(
        "A publishable key (pk_…) can only send a referral (POST /api/v1/referrals/); use a secret key here."
    )
    default_code = "publishable_key_not_allowed"


class OriginNotAllowed(PermissionDenied):
    default_detail = _(
        "The origin of this page is not allowed for this key. Ask Core Recovery to add the website's origin "
        "(scheme://host[:port]) to the key's allowed origins."
    )
    default_code = "origin_not_allowed"


def is_publishable_key_header(header: str) -> bool:
    """Does this `Authorization` value carry a publishable key? (Its shape only: nothing is looked up.)"""
    scheme, _, key = header.partition(" ")
    return scheme.lower() == KEYWORD.lower() and key.strip().startswith(PUBLISHABLE_KEY_PREFIX)


@dataclass(frozen=True)
class APIClient:
    """The caller behind an API key (DRF's `request.user`)."""

    key_id: str
    partner_id: int | None
    scopes: frozenset[str]
    publishable: bool = False
    is_authenticated: bool = True
    is_anonymous: bool = False

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class APIKeyAuthentication(BaseAuthentication):
    """Secret keys anywhere their scopes allow; a publishable key only for the actions a view names in
    `publishable_key_actions`, and only from a page whose `Origin` is one of the key's (403 otherwise)."""

    def authenticate(self, request: Request) -> tuple[APIClient, ClientAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not _KEY_SHAPE.fullmatch(key):  # before any query: NUL or stray bytes never reach the database
            raise AuthenticationFailed(gettext("The API key is not valid."))
        # The library's lookup (prefix, then a constant-time hash comparison), with the partner in one query.
        publishable = key.startswith(PUBLISHABLE_KEY_PREFIX)
        if publishable:
            key = key.removeprefix(PUBLISHABLE_KEY_PREFIX)  # the library hashed what follows
            self._check_publishable_use(request)
        prefix, _, _ = key.partition(".")
        api_key = api_key_by_prefix(prefix)
        # A secret key with `pk_` stuck on is not a publishable key, nor a publishable key without it a secret one.
        if api_key is None or api_key.is_publishable != publishable or not api_key.is_valid(key):
            raise AuthenticationFailed(gettext("The API key is not valid."))
        if api_key.has_expired:
            raise AuthenticationFailed(gettext("The API key has expired."))
        if api_key.partner is not None and not api_key.partner.is_active:
            raise AuthenticationFailed(gettext("The partner of this API key is not active."))
        if publishable and request.headers.get("Origin") not in api_key.allowed_origins:
            # A missing Origin (a script, not a browser) or `null` (a sandboxed frame, a file) is never in the list.
            raise OriginNotAllowed()
        api_key_record_use(api_key=api_key)
        client = APIClient(
            key_id=api_key.id, partner_id=api_key.partner_id, scopes=frozenset(api_key.scopes), publishable=publishable
        )
        return client, api_key

    @staticmethod
    def _check_publishable_use(request: Request) -> None:
        # Before any query. api.middleware.PublishableKeyMiddleware refuses the key on every other URL already;
        # this holds for a DRF view even without the middleware.
        view = (request.parser_context or {}).get("view")
        if getattr(view, "action", None) not in getattr(view, "publishable_key_actions", ()):
            raise PublishableKeyNotAllowed()

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD
