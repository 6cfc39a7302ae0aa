"""Refer someone from the portal: the API's validation (every error at once, beside its field), then the API's
service (triage, encryption, idempotency, events), recording who sent it; then "My organisation's referrals"."""

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from leads import services
from leads.models import Lead, LeadEvent
from portal.forms import ReferralForm
from tests.portal.conftest import portal_client

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def _form(**overrides):
    data = {"first_name": "Casey", "last_name": "Synthetic", "phone": "480-555-0177", "state": "AZ",
            "program_interest": "php", "reason_for_referral": "Step-down after an inpatient stay.",
            "urgency": "routine", "referrer.name": "Dr. Test Planner", "referrer.role": "Discharge planner",
            "client_consent": "on", "submission_key": "form-1"}  # fmt: skip
    return {**data, **overrides}


def _error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error beside {field_id}"
    return match.group(1)


def test_every_error_is_shown_at_once_beside_its_field_in_the_apis_words(member_a, programs):
    client = portal_client(member_a)

    invalid = _form(phone="555", **{"referrer.phone": "12", "client_consent": ""})
    response = client.post(reverse("portal:refer"), invalid)

    html = response.content.decode()
    assert response.status_code == 400
    assert _error_beside(html, "id_phone") == "Enter a valid phone number, e.g. 602-555-0123."
    assert _error_beside(html, "id_referrer.phone") == "Enter a valid phone number, e.g. 602-555-0123."
    assert _error_beside(html, "id_client_consent") == "The client&#x27;s consent to the referral is required."
    assert 'aria-describedby="id_phone-error"' in html
    assert html.count('href="#id_') == 3  # the summary at the top links to each
    assert not Lead.objects.exists()


def test_a_spanish_speaking_partner_reads_every_error_in_spanish(member_a, programs):
    client = portal_client(member_a)
    client.cookies["django_language"] = "es"  # the portal's language switch

    invalid = _form(first_name="", phone="555", **{"referrer.phone": "12", "client_consent": ""})
    response = client.post(reverse("portal:refer"), invalid)

    html = response.content.decode()
    assert response.status_code == 400
    phone = "Escriba un número de teléfono válido, p. ej., 602-555-0123."
    assert _error_beside(html, "id_phone") == phone
    assert _error_beside(html, "id_referrer.phone") == phone
    assert _error_beside(html, "id_client_consent") == "Se necesita el consentimiento de la persona para la derivación."
    assert _error_beside(html, "id_first_name") == "Este campo no puede estar en blanco."  # DRF's own catalog
    # The summary at the top: its heading and each of its links in Spanish too.
    assert "<h2>Hay un problema</h2>" in html
    assert f'<a href="#id_phone">{phone}</a>' in html
    assert "Enter a valid" not in html
    assert response["Content-Language"] == "es"


def test_a_missing_first_name_and_reason_are_said_in_words(member_a, programs):
    response = portal_client(member_a).post(reverse("portal:refer"), _form(first_name="", reason_for_referral=""))

    html = response.content.decode()
    assert _error_beside(html, "id_first_name") == "This field may not be blank."
    assert _error_beside(html, "id_reason_for_referral") == "This field may not be blank."


def test_a_referral_from_the_portal_is_one_from_the_api_sent_by_the_person(
    member_a, programs, django_capture_on_commit_callbacks
):
    client = portal_client(member_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:refer"), _form(reason_for_referral="Said they want to kill myself"))

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:refer-done", args=[lead.reference])
    assert (lead.partner, lead.sent_by, lead.source, lead.kind) == (member_a.partner, member_a, "partner",
                                                                     "partner_referral")  # fmt: skip
    assert lead.urgency == "urgent"  # triaged like any referral
    assert lead.client_consent_attested
    assert "Casey" not in lead.sealed  # encrypted
    assert LeadEvent.objects.filter(lead=lead, kind="lead.created").exists()  # notifications and webhooks
    done = client.get(response["Location"]).content.decode()
    assert lead.reference in done
    assert "What happens next" in done


def test_the_same_form_sent_twice_creates_one_referral(member_a, programs):
    client = portal_client(member_a)

    first = client.post(reverse("portal:refer"), _form())
    second = client.post(reverse("portal:refer"), _form())

    assert Lead.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_organisations_referrals_show_the_status_history_the_api_gives(member_a, admin_a, member_b, programs):
    portal_client(member_a).post(reverse("portal:refer"), _form())
    lead = Lead.objects.get()
    services.lead_change_status(lead=lead, to_status="contacted")

    page = portal_client(admin_a).get(reverse("portal:referrals")).content.decode()  # a colleague sees it too
    detail = portal_client(admin_a).get(reverse("portal:referral", args=[lead.reference])).content.decode()
    other = portal_client(member_b).get(reverse("portal:referrals")).content.decode()

    assert lead.reference in page
    assert "Contacted by our admissions team" in page
    assert "Received: waiting for our admissions team" in detail
    assert "Casey" not in page + detail  # nothing personal, not even what the partner sent
    assert lead.reference not in other


def test_another_partners_reference_is_not_found_in_words(member_a, member_b, programs):
    portal_client(member_a).post(reverse("portal:refer"), _form())
    reference = Lead.objects.get().reference

    for path in (reverse("portal:referral", args=[reference]), reverse("portal:refer-done", args=[reference])):
        response = portal_client(member_b).get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        assert "There is nothing here" in response.content.decode()


def test_the_crisis_lines_are_on_every_portal_page(member_a, programs):
    client = portal_client(member_a)

    for path in (reverse("portal:refer"), reverse("portal:referrals"), reverse("portal:sign-in")):
        html = client.get(path).content.decode()
        assert "<strong>988</strong>" in html
        assert "<strong>911</strong>" in html


@pytest.mark.parametrize(
    "data",
    [{}, {"submission_key": "k"}, {"submission_key": "k", "state": "ZZZ", "urgency": "now", "program_interest": "x"},
     {"submission_key": "k" * 500, "first_name": "\x00", "email": "not an address", "age_range": "old"}],
)  # fmt: skip
def test_hostile_or_empty_forms_are_answered_in_words_never_500(member_a, programs, data):
    response = portal_client(member_a).post(reverse("portal:refer"), data)

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_form_sent_again_with_other_details_is_refused_in_words(member_a, programs):
    client = portal_client(member_a)
    client.post(reverse("portal:refer"), _form())

    response = client.post(reverse("portal:refer"), _form(first_name="Someone else"))

    assert response.status_code == 400
    assert "already sent with other details" in response.content.decode()
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [_form(), _form(email="  casey@example.org ", preferred_contact="sms", age_range="26_35", client_consent=""),
     _form(**{"referrer.phone": " 602-555-0101 ", "referrer.email": "planner@example.org", "message": " hi "}),
     {}, _form(preferred_contact="fax"), _form(submission_key="k" * 65), _form(first_name="\x00"),
     _form(urgency="now"), _form(submission_key="")],
)  # fmt: skip
def test_a_sent_form_is_cleaned_as_the_bound_form_cleans_it_without_binding_it(data):
    # The portal's submissions read the text without building the bound form (ReferralForm.cleaned_without_binding):
    # the same fields must accept and refuse exactly what the form does, and clean it to the same text.
    posted = QueryDict(mutable=True)
    posted.update(data)
    form = ReferralForm(posted, programs=lambda: [("php", "PHP")])

    cleaned = ReferralForm.cleaned_without_binding(posted)

    assert cleaned == (form.cleaned_data if form.is_valid() else None)
