"""Redis holds no client address and no API key material: throttles and sign-in counters name clients by a
keyed hash (docs/security.md)."""

import ipaddress
import re
from typing import Any

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from partners.models import ClientAPIKey
from tests.factories import ArticleFactory
from tests.leads.conftest import lead_body, referral_body

pytestmark = pytest.mark.django_db

ADDRESSES = ("203.0.113.77", "2001:db8::77", "198.51.100.23", "192.0.2.44")
PASSWORD = "a-long-staff-password-1"
# Dotted quads and colon-hex runs that parse as an address (keys hold hex digests, which never do).
_CANDIDATES = re.compile(rb"(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}")


def _everything_in_redis() -> list[tuple[Any, Any]]:
    """Every key of the test database with its value (string values; the type's name otherwise)."""
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        pairs = []
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            pairs.append((key, client.get(key) if kind == b"string" else kind))
        return pairs
    finally:
        client.close()


def _addresses_in(data: bytes) -> list[str]:
    found = []
    for candidate in _CANDIDATES.findall(data):
        try:
            ipaddress.ip_address(candidate.decode())
        except ValueError:
            continue
        found.append(candidate.decode())
    return found


def test_no_redis_key_or_value_holds_a_client_address_or_api_key_material(
    api_client, client, programs, partner_a, django_user_model
):
    ArticleFactory()
    for address in ADDRESSES[:2]:
        assert api_client.get("/api/v1/articles/", REMOTE_ADDR=address).status_code == 200
        assert api_client.post("/api/v1/leads/", lead_body(), format="json", REMOTE_ADDR=address).status_code == 201
    sent = api_client.post(
        "/api/v1/referrals/", referral_body(), format="json", REMOTE_ADDR=ADDRESSES[2], **partner_a.header
    )
    listed = api_client.get("/api/v1/referrals/", REMOTE_ADDR=ADDRESSES[2], **partner_a.header)
    assert (sent.status_code, listed.status_code) == (201, 200)
    django_user_model.objects.create_user("staffer", password=PASSWORD, is_staff=True)
    for password in ("wrong-password", "wrong-again", PASSWORD):
        client.post(reverse("admin:login"), {"username": "staffer", "password": password}, REMOTE_ADDR=ADDRESSES[3])

    stored = _everything_in_redis()
    api_key = ClientAPIKey.objects.get(partner=partner_a.partner)
    secrets = [api_key.id, api_key.hashed_key, partner_a.key, "staffer"]

    assert any(b"throttle" in key for key, _ in stored), "the run left no throttle counter to check"
    for key, value in stored:
        for data in (key, value):
            assert _addresses_in(data) == [], key
            assert not [secret for secret in secrets if secret.encode() in data], key
