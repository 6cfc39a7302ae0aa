"""Leads received by phone or fax, entered by staff: the API's validation in words beside each field, then the
same service (triage, encryption, duplicates, events, notifications); source "phone", who entered it."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from leads.models import Lead, LeadEvent
from notifications.backends import locmem
from notifications.routing_defaults import routing_install
from partners.models import Partner
from tests.staff.conftest import send_lead

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def _form(**overrides):
    data = {"lead_kind": "self", "first_name": "Morgan", "last_name": "Synthetic", "phone": "602 555 0163",
            "state": "AZ", "program_interest": "iop", "message": "Their GP suggested the IOP.",
            "consent_contact": "on", "urgency": "routine", "submission_key": "form-1"}  # fmt: skip
    return {**data, **overrides}


@pytest.fixture
def staff_recipient(db):
    from notifications.models import Recipient, StaffGroup

    routing_install()
    recipient = Recipient.objects.create(name="Desk", email="desk@staff.example", channels=["email"])
    recipient.groups.add(StaffGroup.objects.get(slug="admissions"))
    mail.outbox.clear()
    locmem.outbox.clear()
    return recipient


def test_a_phoned_in_contact_request_is_handled_like_any_lead(
    signed_in, intake, programs, staff_recipient, django_capture_on_commit_callbacks
):
    earlier = send_lead(first_name="Morgan", phone="602-555-0163")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("staff:new-lead"), _form(message="I want to die"))

    lead = Lead.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:lead", args=[lead.reference])
    assert (lead.source, lead.entered_by, lead.kind) == ("phone", intake, "self")
    assert lead.urgency == "urgent"
    assert lead.triage_flags == ["suicide"]
    assert lead.repeat_of == earlier  # linked to the same person's earlier contact
    assert "Morgan" not in lead.sealed  # encrypted
    assert LeadEvent.objects.filter(lead=lead, kind="lead.created").exists()
    assert any(lead.reference in message.body for message in mail.outbox)  # staff were notified


def test_a_phoned_in_referral_names_its_partner(signed_in, programs, staff_recipient):
    partner = Partner.objects.create(name="St. Example Hospital", slug="st-example")

    signed_in.post(reverse("staff:new-lead"), _form(
        lead_kind="partner_referral", partner=partner.pk, referrer_name="Dr. Test", reason_for_referral="Step-down",
        client_consent="on", urgency="urgent", consent_contact=""))  # fmt: skip

    lead = Lead.objects.get()
    assert (lead.kind, lead.partner, lead.source, lead.urgency) == ("partner_referral", partner, "phone", "urgent")


def test_the_apis_validation_messages_appear_beside_the_fields(signed_in, programs):
    response = signed_in.post(reverse("staff:new-lead"), _form(phone="12", state="ZZ", consent_contact=""))

    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_phone-error">Enter a valid phone number, e.g. 602-555-0123.', page)
    assert re.search(r'id="id_state-error">Use a two-letter US state code, e.g. AZ.', page)
    assert re.search(r'id="id_consent_contact-error">Consent to be contacted is required', page)
    assert Lead.objects.count() == 0


def test_the_forms_and_the_apis_errors_show_together_in_one_round(signed_in, programs):
    # The form's own check (the first name) and the API's (phone, state, consent): a person meets them all on the
    # first sending, not the API's only after fixing the name and sending again.
    response = signed_in.post(reverse("staff:new-lead"), _form(first_name="", phone="12", state="ZZ",
                                                                consent_contact=""))  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_first_name-error">Enter the person&#x27;s first name.', page)
    assert re.search(r'id="id_phone-error">Enter a valid phone number, e.g. 602-555-0123.', page)
    assert re.search(r'id="id_state-error">Use a two-letter US state code, e.g. AZ.', page)
    assert re.search(r'id="id_consent_contact-error">Consent to be contacted is required', page)
    # Each said once: the API's "required" for the first name would only repeat the form's words.
    assert page.count('id="id_first_name-error"') == 1
    assert "This field is required" not in page
    assert Lead.objects.count() == 0


def test_a_referral_without_a_partner_shows_the_apis_errors_too(signed_in, programs):
    response = signed_in.post(reverse("staff:new-lead"), _form(lead_kind="partner_referral", phone="12",
                                                                client_consent=""))  # fmt: skip

    page = response.content.decode()
    assert re.search(r'id="id_partner-error">Choose the partner the referral comes from.', page)
    assert re.search(r'id="id_phone-error">Enter a valid phone number', page)
    assert Lead.objects.count() == 0


def test_a_referral_without_a_partner_is_refused_beside_the_field(signed_in, programs):
    response = signed_in.post(reverse("staff:new-lead"), _form(lead_kind="partner_referral"))

    assert re.search(r'id="id_partner-error">Choose the partner the referral comes from.', response.content.decode())
    assert Lead.objects.count() == 0


def test_the_same_form_sent_twice_creates_one_lead(signed_in, programs):
    first = signed_in.post(reverse("staff:new-lead"), _form())
    second = signed_in.post(reverse("staff:new-lead"), _form())

    assert Lead.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_form_page_offers_a_fresh_key_each_time(signed_in, programs):
    keys = [re.search(r'name="submission_key" value="([^"]+)"', signed_in.get(reverse("staff:new-lead"))
                      .content.decode()).group(1) for _ in range(2)]  # fmt: skip

    assert keys[0] != keys[1]
