"""The inbox: open leads only, urgent first then oldest, filters, search through the keyed hashes, constant
queries, and the fragment the page polls."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import services
from leads.models import Lead
from partners.models import Partner
from tests.staff.conftest import send_lead, send_referral, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def leads(programs):
    routine_old = send_lead(first_name="Avery", phone="602-555-0101", email="avery@example.org")
    urgent = send_lead(first_name="Blake", phone="602-555-0102", message="I want to die")
    routine_new = send_lead(first_name="Cameron", phone="602-555-0103")
    closed = send_lead(first_name="Dana", phone="602-555-0104")
    Lead.objects.filter(pk=routine_old.pk).update(received_at=timezone.now() - timedelta(hours=2))
    Lead.objects.filter(pk=urgent.pk).update(received_at=timezone.now() - timedelta(minutes=30))
    Lead.objects.filter(pk=closed.pk).update(status="admitted")
    return {"routine_old": routine_old, "urgent": urgent, "routine_new": routine_new, "closed": closed}


def _references(page: str) -> list[str]:
    return [part.split('"')[0] for part in page.split('data-reference="')[1:]]


def test_open_leads_urgent_first_then_oldest_without_closed_ones(signed_in, leads):
    page = signed_in.get("/staff/leads/").content.decode()

    assert _references(page) == [leads["urgent"].reference, leads["routine_old"].reference,
                                 leads["routine_new"].reference]  # fmt: skip
    assert "mentions suicide" in page  # triage flags in words
    assert "Take it on" in page  # the next step of an unassigned new lead
    assert "past the 5-minute escalation" in page  # the urgent one has waited 30 minutes
    assert "Avery" not in page
    assert "602" not in page


def test_filters_narrow_the_list(signed_in, leads, intake):
    services.lead_take(lead=leads["routine_new"], by=intake)

    def listed(query: str) -> list[str]:
        return _references(signed_in.get(f"/staff/leads/?{query}").content.decode())

    assert listed("mine=on") == [leads["routine_new"].reference]
    assert leads["routine_new"].reference not in listed("unassigned=on")
    assert listed("urgent=on") == [leads["urgent"].reference]
    assert listed("source=phone") == []
    assert len(listed("status=received")) == 3


def test_search_by_reference_phone_and_email_through_the_hash_only(signed_in, leads):
    def found(text: str) -> list[str]:
        return _references(signed_in.get("/staff/leads/", {"search": text}).content.decode())

    target = leads["routine_old"].reference
    assert found(target) == [target]
    assert found(target.lower().removeprefix("l-")) == [target]
    assert found("(602) 555-0101") == [target]
    assert found("+1 602 555 0101") == [target]
    assert found("  AVERY@example.org ") == [target]
    # Nothing is searched in plaintext: a name, or part of a number, finds nothing.
    assert found("Avery") == []
    assert found("555-01") == []


def test_search_by_phone_needs_the_personal_data_permission(client, leads, roles, django_user_model):
    partner = Partner.objects.create(name="Hospital", slug="hospital")
    liaison = user_with_role(django_user_model, "Partner liaison")
    partner.liaison_staff.add(liaison)
    referral = send_referral(partner, phone="480-555-0199")
    client.force_login(liaison)

    page = client.get("/staff/leads/").content.decode()
    searched = client.get("/staff/leads/", {"search": "480-555-0199"}).content.decode()

    assert _references(page) == [referral.reference]  # their partner's referral only
    assert _references(searched) == []


def test_the_query_count_does_not_grow_with_the_number_of_leads(signed_in, programs, intake):
    for index in range(3):
        send_lead(first_name=f"Q{index}", phone=f"602-555-01{index:02d}")
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get("/staff/leads/").status_code == 200
    for index in range(3, 25):
        lead = send_lead(first_name=f"Q{index}", phone=f"602-555-01{index:02d}")
        services.contact_attempt_record(lead=lead, by=intake, channel="call", outcome="no_answer")
    with CaptureQueriesContext(connection) as many:
        assert signed_in.get("/staff/leads/").status_code == 200

    assert len(many) == len(few)


def test_the_polled_fragment_is_the_rows_only_and_shows_a_new_lead(signed_in, leads):
    before = signed_in.get("/staff/leads/?partial=1").content.decode()
    newcomer = send_lead(first_name="Ellis", phone="602-555-0177")

    after = signed_in.get("/staff/leads/?partial=1")

    assert "<html" not in after.content.decode()
    assert newcomer.reference not in before
    assert newcomer.reference in after.content.decode()
    assert after["Cache-Control"] == "private, no-store"
