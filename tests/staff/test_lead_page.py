"""The lead's page and the work done on it: personal data with its access log, allowed statuses only, "I'm on
it", contact attempts, notes readable by permission, reassigning, and what another person did meanwhile."""

import re

import pytest
from django.urls import reverse

from leads import services
from leads.models import ContactAttempt, Lead, LeadAccessLog, LeadEvent, LeadStatusChange
from partners.models import Partner
from tests.staff.conftest import send_lead, send_referral, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def lead(programs) -> Lead:
    return send_lead(first_name="Rowan", phone="602-555-0142", message="Please call after work.")


def _page(client, lead) -> str:
    response = client.get(reverse("staff:lead", args=[lead.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _options(page: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={select_name}>"
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value]


def test_staff_see_the_person_and_their_view_is_logged_and_shown(signed_in, intake, lead):
    page = _page(signed_in, lead)

    assert "Rowan" in page
    assert '<a href="tel:+16025550142">(602) 555-0142</a>' in page
    assert "Please call after work." in page
    assert LeadAccessLog.objects.filter(lead=lead, user=intake, action="view").count() == 1
    access_log = page.split('data-testid="access-log"')[1]
    assert "Intake Tester (view)" in access_log


def test_only_the_allowed_next_statuses_are_offered(signed_in, intake, lead):
    assert '<option value="" selected>Choose the new status</option>' in _page(signed_in, lead)
    assert _options(_page(signed_in, lead), "to_status") == [
        "contacted", "not_admitted", "unable_to_reach", "referred_elsewhere"
    ]  # fmt: skip
    services.lead_change_status(lead=lead, to_status="contacted", changed_by=intake)
    assert _options(_page(signed_in, lead), "to_status") == [
        "assessment_scheduled", "not_admitted", "unable_to_reach", "referred_elsewhere"
    ]  # fmt: skip
    services.lead_change_status(lead=lead, to_status="referred_elsewhere", changed_by=intake)
    assert "This lead is closed" in _page(signed_in, lead)


def test_a_refused_move_says_which_moves_are_allowed(intake, lead):
    with pytest.raises(services.InvalidStatusTransition) as refused:
        services.lead_change_status(lead=lead, to_status="admitted", changed_by=intake)

    assert "It can become: contacted, not admitted, unable to reach, referred elsewhere." in refused.value.detail


def test_not_admitted_needs_a_reason_said_beside_the_field(signed_in, lead):
    response = signed_in.post(
        reverse("staff:lead-status", args=[lead.reference]),
        {"to_status": "not_admitted", "expected_status": "received", "note": ""},
    )

    assert response.status_code == 400
    assert re.search(r'id="id_reason_category-error">Say why they were not admitted', response.content.decode())
    assert Lead.objects.get(pk=lead.pk).status == "received"


def test_im_on_it_takes_the_lead_and_a_colleague_is_told_who_has_it(client, signed_in, intake, lead, django_user_model):
    signed_in.post(reverse("staff:lead-take", args=[lead.reference]))
    colleague = user_with_role(django_user_model, "Intake", username="colleague")
    client.force_login(colleague)

    response = client.post(reverse("staff:lead-take", args=[lead.reference]), follow=True)

    lead.refresh_from_db()
    assert (lead.assigned_to, lead.acknowledged_by) == (intake, intake)
    assert "Intake Tester has this lead already; nothing was changed." in response.content.decode()


def test_a_move_made_meanwhile_by_someone_else_is_reported_and_nothing_changes(signed_in, intake, lead):
    services.lead_change_status(lead=lead, to_status="contacted", changed_by=intake)  # a colleague, a minute ago

    # This person's page still showed "received" and offered "unable to reach".
    response = signed_in.post(
        reverse("staff:lead-status", args=[lead.reference]),
        {"to_status": "unable_to_reach", "expected_status": "received"}, follow=True,
    )  # fmt: skip

    page = response.content.decode()
    assert "Someone else moved this lead to contacted meanwhile; nothing was changed." in page
    assert '<strong data-testid="status">Contacted</strong>' in page
    assert LeadStatusChange.objects.filter(lead=lead).count() == 2


def test_a_contact_attempt_is_logged_stops_escalation_and_times_the_first_attempt(signed_in, intake, lead):
    response = signed_in.post(
        reverse("staff:lead-attempt", args=[lead.reference]),
        {"channel": "call", "outcome": "left_voicemail", "note": "Left a message for Rowan"}, follow=True,
    )  # fmt: skip

    lead.refresh_from_db()
    attempt = ContactAttempt.objects.get(lead=lead)
    assert (attempt.channel, attempt.outcome, attempt.attempted_by) == ("call", "left_voicemail", intake)
    assert "Rowan" not in attempt.sealed_note  # sealed
    assert lead.first_attempt_at == attempt.attempted_at
    assert lead.acknowledged_by == intake
    assert services.lead_escalate(lead=lead, max_level=2) is None  # escalation has stopped
    assert "Call: Left a voicemail, by Intake Tester" in response.content.decode()
    assert "Left a message for Rowan" in response.content.decode()


def test_a_referral_moved_straight_to_contacted_counts_as_taken_on(intake, programs):
    referral = send_referral(Partner.objects.create(name="Clinic", slug="clinic"))

    services.lead_change_status(lead=referral, to_status="contacted", changed_by=intake)

    referral.refresh_from_db()
    assert referral.acknowledged_by == intake
    assert referral.acknowledged_at is not None
    assert referral.assigned_to == intake


def test_notes_are_readable_by_staff_allowed_personal_data_only(client, intake, lead, django_user_model):
    services.lead_change_status(lead=lead, to_status="contacted", changed_by=intake, note="Spoke to Rowan's sister")
    partner = Partner.objects.create(name="Hospital", slug="hospital")
    referral = send_referral(partner)
    services.lead_change_status(lead=referral, to_status="contacted", changed_by=intake, note="Spoke to the client")
    director = user_with_role(django_user_model, "Clinical director")
    liaison = user_with_role(django_user_model, "Partner liaison")
    partner.liaison_staff.add(liaison)

    client.force_login(director)
    assert "Spoke to Rowan&#x27;s sister" in _page(client, lead)
    client.force_login(liaison)
    liaison_page = _page(client, referral)
    assert "Spoke to the client" not in liaison_page
    assert "A note is kept, readable by staff with access to personal data." in liaison_page
    assert "Casey" not in liaison_page  # nor the person's details
    assert client.get(reverse("staff:lead", args=[lead.reference])).status_code == 404  # not their partner's


def test_an_intake_lead_reassigns_and_a_stale_reassignment_is_refused(client, intake, lead, django_user_model):
    services.lead_take(lead=lead, by=intake)
    boss = user_with_role(django_user_model, "Intake lead", username="boss")
    other = user_with_role(django_user_model, "Intake", username="other")
    client.force_login(boss)

    page = _page(client, lead)
    moved = client.post(reverse("staff:lead-reassign", args=[lead.reference]),
                        {"to": other.pk, "expected_assignee": intake.pk}, follow=True)  # fmt: skip
    stale = client.post(reverse("staff:lead-reassign", args=[lead.reference]),
                        {"to": boss.pk, "expected_assignee": intake.pk}, follow=True)  # fmt: skip

    assert "Give it to someone else" in page
    assert "is now with Intake Tester" in moved.content.decode()
    assert "changed hands meanwhile" in stale.content.decode()
    assert Lead.objects.get(pk=lead.pk).assigned_to == other


def test_intake_cannot_reassign(signed_in, intake, lead, django_user_model):
    other = user_with_role(django_user_model, "Intake", username="other")

    response = signed_in.post(reverse("staff:lead-reassign", args=[lead.reference]), {"to": other.pk})

    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).assigned_to is None


def test_the_repeat_series_links_the_same_persons_leads(signed_in, programs):
    first = send_lead(first_name="Sky", phone="602-555-0150")
    second = send_lead(first_name="Sky", phone="602-555-0150")

    page = _page(signed_in, second)

    assert f'href="/staff/leads/{first.reference}/"' in page
    assert LeadEvent.objects.filter(lead=second).exists()
