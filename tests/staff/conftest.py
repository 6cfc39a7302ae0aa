"""Staff accounts by role (accounts.roles), and leads sent the way they really arrive."""

import itertools
from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.roles import EDITOR, roles_install
from leads.models import Lead
from partners.models import Partner
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body, make_key, referral_body

ROLE_NAMES = ["Intake", "Intake lead", "Clinical director", "Partner liaison", EDITOR]


def user_with_role(django_user_model: Any, role: str, *, username: str | None = None) -> Any:
    username = username or role.lower().replace(" ", "_")
    user = django_user_model.objects.create_user(
        username, password="x" * 12, is_staff=True, first_name=role.split()[0], last_name="Tester"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def roles(db) -> None:
    roles_install()


@pytest.fixture
def intake(roles, django_user_model) -> Any:
    return user_with_role(django_user_model, "Intake")


@pytest.fixture
def signed_in(client, intake) -> Any:
    client.force_login(intake)
    return client


_senders = itertools.count(1)


def send_lead(**overrides: Any) -> Lead:
    """A contact request through the API, each from an address of its own (as different people send them)."""
    sender = next(_senders)
    address = f"198.51.{sender // 250 % 250}.{sender % 250 + 1}"
    response = APIClient().post("/api/v1/leads/", lead_body(**overrides), format="json", REMOTE_ADDR=address)
    assert response.status_code == 201, response.content
    return Lead.objects.get(reference=response.json()["reference"])


def send_referral(partner: Partner, **overrides: Any) -> Lead:
    client = APIClient()
    client.credentials(**make_key(partner, ["referrals:write"]).header)
    response = client.post("/api/v1/referrals/", referral_body(**overrides), format="json")
    assert response.status_code == 201, response.content
    return Lead.objects.get(reference=response.json()["reference"])


@pytest.fixture
def programs(db):
    return [ProgramFactory(slug="iop"), ProgramFactory(slug="php")]
