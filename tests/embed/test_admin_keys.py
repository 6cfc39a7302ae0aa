"""Publishable keys in the admin: the kind chosen, the origins typed one per line, the `pk_` key shown once."""

import pytest
from django.urls import reverse

from partners.models import ClientAPIKey, Partner

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def admin_client_(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("keys", "keys@example.org", "a-long-password-1"))
    return client


def _add(admin_client_, partner, origins: str):
    return admin_client_.post(
        reverse("admin:partners_clientapikey_add"),
        {"name": "Website form", "kind": "publishable", "partner": partner.pk, "scopes": ["referrals:write"],
         "allowed_origins": origins, "expiry_date_0": "", "expiry_date_1": ""},
    )  # fmt: skip


def test_a_publishable_key_is_made_with_its_origins_one_per_line(admin_client_):
    partner = Partner.objects.create(name="Valley Practice", slug="valley-practice", kind="clinician")

    response = _add(admin_client_, partner, "https://valley.example\r\n\r\nhttps://WWW.valley.example:443\r\n")

    assert response.status_code == 200, response.content
    key = ClientAPIKey.objects.get(partner=partner)
    assert key.kind == "publishable"
    assert key.allowed_origins == ["https://valley.example", "https://www.valley.example"]
    secret = response.context["secret"]
    assert secret.startswith("pk_" + key.prefix + ".")
    # Its page shows the origins as lines to edit, never JSON.
    page = admin_client_.get(reverse("admin:partners_clientapikey_change", args=[key.pk])).content.decode()
    assert "https://valley.example\nhttps://www.valley.example</textarea>" in page


def test_a_bad_origin_is_said_beside_the_field_and_nothing_is_made(admin_client_):
    partner = Partner.objects.create(name="Valley Practice", slug="valley-practice", kind="clinician")

    response = _add(admin_client_, partner, "https://valley.example/referrals")

    assert response.status_code == 200
    assert "is not an origin" in response.content.decode()
    assert not ClientAPIKey.objects.exists()


def test_a_publishable_key_cannot_read_referrals(admin_client_):
    partner = Partner.objects.create(name="Valley Practice", slug="valley-practice", kind="clinician")

    response = admin_client_.post(
        reverse("admin:partners_clientapikey_add"),
        {"name": "Website form", "kind": "publishable", "partner": partner.pk,
         "scopes": ["referrals:write", "referrals:read"], "allowed_origins": "https://valley.example",
         "expiry_date_0": "", "expiry_date_1": ""},
    )  # fmt: skip

    assert "A publishable key has one scope" in response.content.decode()
    assert not ClientAPIKey.objects.exists()
