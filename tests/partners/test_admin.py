"""API keys in the admin: issued with scopes as checkboxes, the secret shown once on a no-store page."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from partners.models import ClientAPIKey, Partner

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def admin_client_(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("keys", "keys@example.org", "a-long-password-1"))
    return client


def test_a_new_key_is_shown_once_on_a_no_store_page_never_in_a_message(admin_client_):
    partner = Partner.objects.create(name="Mesa Hospital", slug="mesa-hospital", kind="hospital")

    response = admin_client_.post(
        reverse("admin:partners_clientapikey_add"),
        {"name": "Mesa intake", "partner": partner.pk, "scopes": ["referrals:write", "referrals:read"],
         "expiry_date_0": "", "expiry_date_1": ""},
    )  # fmt: skip

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ClientAPIKey.objects.get(partner=partner)
    assert key.scopes == ["referrals:write", "referrals:read"]
    secret = response.context["secret"]
    assert secret.startswith(key.prefix + ".")
    assert key.is_valid(secret)
    assert secret in response.content.decode()
    assert not any(secret in str(message) for message in get_messages(response.wsgi_request))
    # Nothing shows it again: the key's own page has its prefix, never the secret.
    page = admin_client_.get(reverse("admin:partners_clientapikey_change", args=[key.pk])).content.decode()
    assert key.prefix in page
    assert secret not in page


def test_a_revoked_key_cannot_be_revived_and_the_list_shows_its_last_use(admin_client_):
    key = ClientAPIKey(name="Old", scopes=["content:read"])
    ClientAPIKey.objects.assign_key(key)
    key.revoked = True
    key.save()

    admin_client_.post(reverse("admin:partners_clientapikey_change", args=[key.pk]),
                       {"name": "Old", "scopes": ["content:read"], "revoked": ""})  # fmt: skip
    listing = admin_client_.get(reverse("admin:partners_clientapikey_changelist")).content.decode()

    key.refresh_from_db()
    assert key.revoked
    assert "Last used at" in listing
