from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from partners.models import ClientAPIKey, Partner
from tests.factories import ProgramFactory


@dataclass
class Credentials:
    partner: Partner | None
    key: str

    @property
    def header(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Api-Key {self.key}"}


def make_key(partner: Partner | None, scopes: list[str], **fields) -> Credentials:
    api_key = ClientAPIKey(name="test", partner=partner, scopes=scopes, **fields)
    key = ClientAPIKey.objects.assign_key(api_key)
    api_key.save()
    return Credentials(partner, key)


@pytest.fixture
def programs(db):
    return [ProgramFactory(slug="iop"), ProgramFactory(slug="php")]


@pytest.fixture
def partner_a(db) -> Credentials:
    partner = Partner.objects.create(name="Partner A", slug="partner-a")
    return make_key(partner, ["referrals:write", "referrals:read"])


@pytest.fixture
def partner_b(db) -> Credentials:
    partner = Partner.objects.create(name="Partner B", slug="partner-b")
    return make_key(partner, ["referrals:write", "referrals:read"])


@pytest.fixture
def site_key(db) -> Credentials:
    return make_key(None, ["content:read"])


@pytest.fixture
def expired_key(db) -> Credentials:
    partner = Partner.objects.create(name="Partner E", slug="partner-e")
    return make_key(partner, ["referrals:read"], expiry_date=timezone.now() - timedelta(days=1))


@pytest.fixture
def revoked_key(db) -> Credentials:
    partner = Partner.objects.create(name="Partner R", slug="partner-r")
    return make_key(partner, ["referrals:read"], revoked=True)


def lead_body(**overrides):
    body = {
        "first_name": "Jordan",
        "last_name": "Synthetic",
        "phone": "(602) 555-0142",
        "email": "Jordan.Synthetic@Example.org",
        "preferred_contact": "phone",
        "program_interest": "iop",
        "message": "Looking for help with anxiety for myself.",
        "state": "AZ",
        "consent": {"contact": True},
    }
    body.update(overrides)
    return body


def referral_body(**overrides):
    body = {
        "first_name": "Casey",
        "last_name": "Synthetic",
        "phone": "480-555-0177",
        "program_interest": "php",
        "referrer": {"name": "Dr. Test Clinician", "role": "Psychiatrist", "organization": "Test Clinic"},
        "reason_for_referral": "Step-down after an inpatient stay for depression.",
        "urgency": "routine",
        "client_consent": True,
    }
    body.update(overrides)
    return body


def staff_client(client, django_user_model, *, personal: bool, username: str = "staff"):
    """`client` signed in as admissions staff (view and change leads), with the personal-data permission or not."""
    user = django_user_model.objects.create_user(username, password="x" * 12, is_staff=True)
    codenames = ["view_lead", "change_lead"] + (["view_personal_data"] if personal else [])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads", codename__in=codenames))
    client.force_login(user)
    return client
