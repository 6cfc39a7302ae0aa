"""Idempotency-Key: a retry returns the first response and creates nothing."""

import threading
import uuid

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.test import APIClient

from leads.crypto import lookup_hash
from leads.models import IdempotencyRecord, Lead
from leads.services import _advisory_lock_id
from tests.leads.conftest import lead_body, referral_body

URL = "/api/v1/leads/"


def post(client, body, key, **extra):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response_and_creates_nothing(api_client, programs):
    key = str(uuid.uuid4())
    first = post(api_client, lead_body(), key)

    again = post(api_client, lead_body(), key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Lead.objects.count() == 1


@pytest.mark.django_db
def test_key_order_and_spacing_do_not_make_a_different_request(api_client, programs):
    key = str(uuid.uuid4())
    body = lead_body()
    first = post(api_client, body, key)

    reordered = dict(reversed(list(body.items())))
    again = api_client.post(URL, reordered, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert again.json() == first.json()
    assert Lead.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_creates_nothing(api_client, programs):
    key = str(uuid.uuid4())
    post(api_client, lead_body(), key)

    response = post(api_client, lead_body(message="Something else"), key)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Lead.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_to_the_client(api_client, programs):
    key = str(uuid.uuid4())

    first = post(api_client, lead_body(), key, REMOTE_ADDR="198.51.100.1")
    other_client = post(api_client, lead_body(), key, REMOTE_ADDR="198.51.100.2")

    assert first.json()["reference"] != other_client.json()["reference"]
    assert Lead.objects.count() == 2


@pytest.mark.django_db
def test_partners_keys_are_scoped_to_the_partner(api_client, programs, partner_a, partner_b):
    key = "referral-0001"

    a = api_client.post(
        "/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=key, **partner_a.header
    )
    a_again = api_client.post(
        "/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=key, **partner_a.header
    )
    b = api_client.post(
        "/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=key, **partner_b.header
    )

    assert a.json()["reference"] == a_again.json()["reference"] != b.json()["reference"]
    assert Lead.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ünïcode"])
def test_a_malformed_key_is_a_400_problem(api_client, programs, key):
    response = api_client.post(URL, lead_body(), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_may_be_used_again(api_client, programs):
    from datetime import timedelta

    from django.utils import timezone

    key = str(uuid.uuid4())
    post(api_client, lead_body(), key)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = post(api_client, lead_body(message="A new request a day later"), key)

    assert response.status_code == 201
    assert Lead.objects.count() == 2


def _pg_url() -> str:
    database = django_settings.DATABASES["default"]
    return f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_request_while_the_first_with_that_key_is_in_flight_is_409(programs):
    key = str(uuid.uuid4())
    client_scope = "ip:" + lookup_hash("ip", "127.0.0.1")[:40]
    # Another connection holds the key's lock, as the first request's transaction does until it commits.
    with psycopg.connect(_pg_url(), autocommit=False) as first_request:
        first_request.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_lock_id(client_scope, key)])

        response = post(APIClient(), lead_body(), key)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_lead(programs):
    key = str(uuid.uuid4())
    start = threading.Barrier(6)
    statuses = []
    references = set()

    def submit() -> None:
        client = APIClient()
        start.wait()
        response = post(client, lead_body(), key)
        statuses.append(response.status_code)
        if response.status_code == 201:
            references.add(response.json()["reference"])
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(set(statuses)) in ([201], [201, 409])
    assert len(references) == 1
    assert Lead.objects.count() == 1
