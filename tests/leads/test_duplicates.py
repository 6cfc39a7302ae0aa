"""The same person within 30 days is linked to the first lead as a repeat contact, never merged or dropped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.selectors import lead_series
from tests.leads.conftest import lead_body

# Also on SQLite (`make run`): the repeat lookup is raw SQL, with a datetime the backend must adapt.
pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def submit(api_client, **changes) -> Lead:
    response = api_client.post("/api/v1/leads/", lead_body(**changes), format="json")
    assert response.status_code == 201, response.content
    return Lead.objects.get(reference=response.json()["reference"])


def test_the_same_phone_written_differently_links_to_the_first_lead(api_client, programs):
    first = submit(api_client, phone="602-555-0142", email="")
    second = submit(api_client, phone="+1 (602) 555 0142", email="", message="Writing again")

    assert second.repeat_of == first
    assert Lead.objects.count() == 2


def test_the_same_email_in_another_case_links_every_repeat_to_the_first(api_client, programs):
    first = submit(api_client, phone="", email="Person@Example.org", preferred_contact="email")
    second = submit(api_client, phone="", email="person@example.org", preferred_contact="email")
    third = submit(api_client, phone="480-555-0101", email="PERSON@example.org")

    assert second.repeat_of == first
    assert third.repeat_of == first
    assert [lead.reference for lead in lead_series(lead=third)] == [first.reference, second.reference, third.reference]


def test_a_contact_after_the_window_starts_a_new_series(api_client, programs, settings):
    first = submit(api_client)
    Lead.objects.filter(pk=first.pk).update(received_at=timezone.now() - timedelta(days=31))

    assert submit(api_client).repeat_of is None


def test_different_people_are_not_linked(api_client, programs):
    submit(api_client, phone="602-555-0142", email="a@example.org")

    assert submit(api_client, phone="602-555-0143", email="b@example.org").repeat_of is None


def test_after_the_lookup_key_changes_earlier_leads_are_no_longer_linked(api_client, programs, settings):
    first = submit(api_client, phone="602-555-0142", email="")

    settings.LEAD_LOOKUP_KEY = "a-new-lookup-key-of-at-least-32-characters"
    second = submit(api_client, phone="602-555-0142", email="", message="Writing again")
    third = submit(api_client, phone="602-555-0142", email="", message="And again")

    assert second.repeat_of is None  # as docs/security.md says: no command recomputes the stored hashes
    assert second.phone_hash != first.phone_hash
    assert third.repeat_of == second  # repeats after the change link among themselves
