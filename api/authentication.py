"""`Authorization: Api-Key <key>`: who is calling, and with which scopes."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from partners.models import ClientAPIKey

KEYWORD = "Api-Key"
# What djangorestframework-api-key issues: an 8-character prefix, a dot, a 32-character secret.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{1,16}\.[A-Za-z0-9]{1,64}")
# last_used_at is a hint for staff, not an audit log: refresh it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class APIClient:
    """The caller behind an API key (DRF's `request.user`)."""

    key_id: str
    partner_id: int | None
    scopes: frozenset[str]
    is_authenticated: bool = True
    is_anonymous: bool = False

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class APIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[APIClient, ClientAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        if not _KEY_SHAPE.fullmatch(key):  # before any query: NUL or stray bytes never reach the database
            raise AuthenticationFailed("The API key is not valid.")
        # The library's lookup (prefix, then a constant-time hash comparison), with the partner in one query.
        prefix, _, _ = key.partition(".")
        api_key = ClientAPIKey.objects.select_related("partner").filter(prefix=prefix, revoked=False).first()
        if api_key is None or not api_key.is_valid(key):
            raise AuthenticationFailed("The API key is not valid.")
        if api_key.has_expired:
            raise AuthenticationFailed("The API key has expired.")
        if api_key.partner is not None and not api_key.partner.is_active:
            raise AuthenticationFailed("The partner of this API key is not active.")
        self._record_use(api_key)
        client = APIClient(key_id=api_key.id, partner_id=api_key.partner_id, scopes=frozenset(api_key.scopes))
        return client, api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD

    @staticmethod
    def _record_use(api_key: ClientAPIKey) -> None:
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ClientAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
