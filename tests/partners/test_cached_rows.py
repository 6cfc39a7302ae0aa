"""The key behind `Authorization: Api-Key` is kept in the process between requests (partners.cached), and anything
that changes what it may do applies to the very next request. (The portal's signed-in person:
tests/portal/test_access.py; nothing of a key in Redis: tests/leads/test_redis_privacy.py.)"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.cached import rows_changed
from partners.models import ClientAPIKey
from partners.services import api_key_issue, partner_get_or_create
from tests.servers import caches_on

pytestmark = pytest.mark.django_db

LIST = "/api/v1/referrals/"


@pytest.fixture
def issued():
    partner = partner_get_or_create(name="Cached Partner", kind="hospital")
    api_key, secret = api_key_issue(name="cache test", partner=partner, scopes=["referrals:read"])
    return api_key, {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}


def key_queries(api_client, header) -> tuple[int, int]:
    """The response's status, and how many of its queries read or wrote the keys' table."""
    with CaptureQueriesContext(connection) as queries:
        status = api_client.get(LIST, **header).status_code
    return status, sum("api_clientapikey" in query["sql"] for query in queries.captured_queries)


def test_a_key_used_again_within_the_minute_is_not_read_again(api_client, issued):
    _, header = issued

    assert key_queries(api_client, header) == (200, 2)  # read, then last_used_at written
    assert key_queries(api_client, header) == (200, 0)
    assert key_queries(api_client, header) == (200, 0)


def test_last_used_is_written_once_a_minute_and_the_cached_copy_follows(api_client, issued):
    api_key, header = issued
    api_client.get(LIST, **header)
    ClientAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))

    # The kept copy still says "just now": no write. Once any partner row changes, it is read again and written.
    assert key_queries(api_client, header) == (200, 0)
    rows_changed()
    assert key_queries(api_client, header) == (200, 2)
    assert ClientAPIKey.objects.get(pk=api_key.pk).last_used_at > timezone.now() - timedelta(seconds=30)
    assert key_queries(api_client, header) == (200, 0)


def test_a_revoked_key_is_refused_on_the_next_request(api_client, issued):
    api_key, header = issued
    assert api_client.get(LIST, **header).status_code == 200

    api_key.revoked = True
    api_key.save()  # as the admin's form does

    response = api_client.get(LIST, **header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_scope_taken_away_applies_on_the_next_request(api_client, issued):
    api_key, header = issued
    assert api_client.get(LIST, **header).status_code == 200

    key = ClientAPIKey.objects.get(pk=api_key.pk)
    key.scopes = ["referrals:write"]
    key.save()

    assert api_client.get(LIST, **header).status_code == 403


def test_a_deactivated_partner_is_refused_on_the_next_request(api_client, issued):
    api_key, header = issued
    assert api_client.get(LIST, **header).status_code == 200

    partner = api_key.partner
    partner.is_active = False
    partner.save()

    assert api_client.get(LIST, **header).status_code == 401


def test_a_deleted_key_is_refused_on_the_next_request(api_client, issued):
    api_key, header = issued
    assert api_client.get(LIST, **header).status_code == 200

    ClientAPIKey.objects.get(pk=api_key.pk).delete()

    assert api_client.get(LIST, **header).status_code == 401


def test_an_expired_key_is_refused_even_from_the_cache(api_client, issued):
    api_key, header = issued
    ClientAPIKey.objects.filter(pk=api_key.pk).update(expiry_date=timezone.now() + timedelta(seconds=1))
    api_client.get(LIST, **header)  # cached with its expiry

    future = timezone.now() + timedelta(seconds=5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: future)
        response = api_client.get(LIST, **header)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_without_the_cache_keys_are_read_from_the_database(api_client, issued):
    _, header = issued
    with override_settings(CACHES=caches_on("redis://127.0.0.1:1/0")):  # nothing listens there
        assert api_client.get(LIST, **header).status_code == 200
        assert api_client.get(LIST, **header).status_code == 200


def test_a_wrong_secret_with_a_cached_prefix_is_refused(api_client, issued):
    api_key, header = issued
    assert api_client.get(LIST, **header).status_code == 200

    wrong = {"HTTP_AUTHORIZATION": f"Api-Key {api_key.prefix}.{'x' * 32}"}
    assert api_client.get(LIST, **wrong).status_code == 401


def test_after_the_version_is_lost_a_kept_key_is_read_again(api_client, issued):
    _, header = issued
    assert key_queries(api_client, header) == (200, 2)

    caches["default"].clear()  # Redis flushed, or the number evicted: a new random start, never the old one

    assert key_queries(api_client, header)[1] >= 1
