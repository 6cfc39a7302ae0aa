"""Partners' people in every role, signed in to the portal the way the portal's own session does it."""

from typing import Any

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory

from partners.models import Partner, PartnerUser
from partners.services import partner_user_remove
from portal import session
from tests.factories import ProgramFactory


def make_person(partner: Partner, email: str, *, role: str = PartnerUser.Role.MEMBER, **fields: Any) -> PartnerUser:
    return PartnerUser.objects.create(
        partner=partner, email=email, role=role, name=email.split("@")[0].title(),
        sign_in_method=PartnerUser.SignInMethod.MAGIC_LINK, **fields,
    )  # fmt: skip


def portal_client(user: PartnerUser) -> Client:
    """A browser signed in to the portal as `user` (a real portal session, as a sign-in would start)."""
    client = Client()
    response = HttpResponse()
    session.session_start(RequestFactory().get("/partners/"), response, user=user)
    client.cookies[session.COOKIE] = response.cookies[session.COOKIE].value
    return client


@pytest.fixture
def programs(db):
    return [ProgramFactory(slug="iop"), ProgramFactory(slug="php")]


@pytest.fixture
def partner_a(db) -> Partner:
    return Partner.objects.create(name="St. Example Hospital", slug="st-example", kind=Partner.Kind.HOSPITAL)


@pytest.fixture
def partner_b(db) -> Partner:
    return Partner.objects.create(name="Other Example School", slug="other-example", kind=Partner.Kind.SCHOOL)


@pytest.fixture
def member_a(partner_a) -> PartnerUser:
    return make_person(partner_a, "planner@hospital.example")


@pytest.fixture
def admin_a(partner_a) -> PartnerUser:
    return make_person(partner_a, "lead@hospital.example", role=PartnerUser.Role.ADMIN)


@pytest.fixture
def member_b(partner_b) -> PartnerUser:
    return make_person(partner_b, "counsellor@school.example")


@pytest.fixture
def revoked_a(partner_a) -> tuple[PartnerUser, Client]:
    """A person of partner A signed in, then removed: the browser still holds its cookie."""
    user = make_person(partner_a, "former@hospital.example")
    client = portal_client(user)
    partner_user_remove(user=user, by=None)
    return user, client


@pytest.fixture
def outbox() -> list[Any]:
    mail.outbox.clear()
    return mail.outbox
