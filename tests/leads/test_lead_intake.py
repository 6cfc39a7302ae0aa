"""POST /api/v1/leads/: validation, normalisation, what is stored, what is answered."""

import pytest
from django.db import connection

from leads.crypto import unseal
from leads.models import Lead, LeadEvent, LeadStatusChange
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


def post(api_client, body, **headers):
    return api_client.post(URL, body, format="json", **headers)


def test_a_contact_request_is_stored_encrypted_and_answered_with_a_reference_only(api_client, programs):
    body = lead_body(message="I can't sleep and panic at work.")

    response = post(api_client, body)

    assert response.status_code == 201
    answer = response.json()
    assert answer["reference"].startswith("L-")
    assert len(answer["reference"]) == 8
    assert answer["status"] == "received"
    assert {line["phone"] for line in answer["crisis_resources"]} == {"988", "911"}
    assert "988" in answer["crisis_notice"]
    assert "911" in answer["crisis_notice"]
    assert response["Cache-Control"] == "private, no-store"
    for value in ("Jordan", "Synthetic", "555-0142", "example.org", "panic"):
        assert value not in response.content.decode()
    lead = Lead.objects.get(reference=answer["reference"])
    assert lead.kind == "self"
    assert lead.program_interest == "iop"
    assert lead.consent_contact
    stored = unseal(lead.sealed)
    assert stored["phone"] == "+16025550142"
    assert stored["email"] == "jordan.synthetic@example.org"
    assert stored["message"] == "I can't sleep and panic at work."


def test_the_raw_database_row_holds_no_plaintext(api_client, programs):
    post(api_client, lead_body(message="Distinctive words: marmalade lighthouse."))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM leads_lead")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)

    for value in ("Jordan", "Synthetic", "6025550142", "555-0142", "jordan.synthetic", "marmalade"):
        assert value not in raw


def test_creation_writes_history_and_an_outbox_event_without_personal_data(api_client, programs):
    reference = post(api_client, lead_body()).json()["reference"]

    lead = Lead.objects.get(reference=reference)
    event = LeadEvent.objects.get(lead=lead)
    assert event.kind == "lead.created"
    assert event.routed_at is None
    assert event.payload["reference"] == reference
    assert event.payload["urgency"] == "routine"
    assert "Jordan" not in str(event.payload)
    assert "555" not in str(event.payload)
    assert list(LeadStatusChange.objects.filter(lead=lead).values_list("to_status", flat=True)) == ["received"]


def test_a_family_member_can_send_by_email_only(api_client, programs):
    body = lead_body(relationship="family_or_friend", phone="", preferred_contact="email")

    response = post(api_client, body)

    assert response.status_code == 201
    assert Lead.objects.get().kind == "family_or_friend"


def test_outside_arizona_is_accepted_and_flagged_for_staff(api_client, programs):
    assert post(api_client, lead_body(state="ca")).status_code == 201

    lead = Lead.objects.get()
    assert lead.state == "CA"
    assert lead.out_of_state


def test_sms_consent_records_the_disclosure_version(api_client, programs):
    consent = {"contact": True, "sms": True, "sms_disclosure_version": "2026-01"}

    assert post(api_client, lead_body(consent=consent)).status_code == 201

    lead = Lead.objects.get()
    assert lead.consent_sms
    assert lead.sms_disclosure_version == "2026-01"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": 42}, "first_name"),
        ({"first_name": ["Jordan"]}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "602-555-01422222"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"message": "x" * 5001}, "message"),
        ({"state": "ZZ"}, "state"),
        ({"program_interest": "no-such-program"}, "program_interest"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"age_range": "18_25", "date_of_birth": "1990-01-01"}, "age_range"),
        ({"preferred_contact": "pigeon"}, "preferred_contact"),
        ({"consent": {"contact": False}}, "consent.contact"),
        ({"consent": {"contact": "yes"}}, "consent.contact"),
        ({"consent": {"contact": True, "sms": True}}, "consent.sms_disclosure_version"),
        ({"consent": {"contact": True, "sms": True, "sms_disclosure_version": "1999"}},
         "consent.sms_disclosure_version"),
        ({"is_admin": True}, "is_admin"),
        ({"status": "admitted"}, "status"),
        ({"reference": "L-AAAAAA"}, "reference"),
    ],
)  # fmt: skip
def test_invalid_requests_are_400_problems_naming_the_field_and_store_nothing(api_client, programs, change, field):
    body = {**lead_body(), **change}
    if "consent" not in change and "consent" not in body:
        body["consent"] = {"contact": True}

    response = post(api_client, body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()
    assert not Lead.objects.exists()


def test_unknown_fields_are_reported_with_the_other_errors(api_client, programs):
    response = post(api_client, lead_body(first_name="", favourite_colour="blue"))

    assert set(response.json()["errors"]) >= {"first_name", "favourite_colour"}


def test_a_form_encoded_body_is_a_415_problem(api_client):
    response = api_client.post(URL, "first_name=Jordan", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_malformed_json_is_a_400_problem(api_client):
    response = api_client.post(URL, '{"first_name": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_oversized_body_is_refused_with_413_before_it_is_read(api_client, settings):
    settings.API_MAX_BODY_BYTES = 1000

    response = api_client.post(URL, '{"message": "' + "x" * 2000 + '"}', content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Lead.objects.exists()


def test_the_honeypot_gets_an_ordinary_201_but_nothing_personal_is_kept_or_routed(api_client, programs):
    response = post(api_client, lead_body(website="http://spam.example"))

    assert response.status_code == 201
    assert set(response.json()) == {"reference", "status", "next_steps", "crisis_resources", "crisis_notice"}
    lead = Lead.objects.get(reference=response.json()["reference"])
    assert lead.is_spam
    assert lead.sealed == ""
    assert lead.phone_hash == ""
    assert lead.email_hash == ""
    assert not LeadEvent.objects.exists()


def accept_only_good_tokens(token: str, client_ip: str) -> bool:
    return token == "good-token"


@pytest.mark.parametrize(("token", "status"), [("good-token", 201), ("bad-token", 400), ("", 400)])
def test_a_configured_captcha_verifier_is_consulted(api_client, programs, settings, token, status):
    settings.LEAD_CAPTCHA_VERIFIER = "tests.leads.test_lead_intake.accept_only_good_tokens"

    response = post(api_client, lead_body(captcha_token=token))

    assert response.status_code == status
    if status == 400:
        assert response.json()["code"] == "captcha_failed"


def test_contact_requests_are_throttled_per_ip(api_client, programs, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "leads": "2/hour"}}  # fmt: skip

    statuses = [post(api_client, lead_body(email=f"p{n}@example.org")).status_code for n in range(3)]
    other_ip = post(api_client, lead_body(), REMOTE_ADDR="198.51.100.7").status_code

    assert statuses == [201, 201, 429]
    assert other_ip == 201
    assert Lead.objects.count() == 3


def test_a_reference_collision_is_retried_with_a_new_reference(api_client, programs, monkeypatch):
    from leads import services

    taken = post(api_client, lead_body(email="first@example.org")).json()["reference"]
    draws = iter([taken, "L-NEWONE"])
    monkeypatch.setattr(services, "_new_reference", lambda: next(draws))

    response = post(api_client, lead_body(email="second@example.org"))

    assert response.status_code == 201
    assert response.json()["reference"] == "L-NEWONE"
    assert Lead.objects.count() == 2


def test_a_person_writing_in_spanish_gets_the_crisis_lines_and_next_steps_in_spanish(api_client, programs):
    spanish = api_client.post("/api/v1/leads/", lead_body(), format="json", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    english = api_client.post("/api/v1/leads/", lead_body(phone="602-555-0142"), format="json")
    unknown = api_client.post("/api/v1/leads/?lang=fr", lead_body(phone="602-555-0143"), format="json")

    assert spanish.status_code == english.status_code == unknown.status_code == 201
    body = spanish.json()
    assert spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    assert body["crisis_resources"][0]["phone"] == "988"
    assert "opción 2" in body["crisis_resources"][0]["description"]
    assert "llame al 911" in body["crisis_notice"]
    assert body["next_steps"].startswith("Gracias")
    assert english["Content-Language"] == unknown["Content-Language"] == "en"
    assert english.json()["crisis_notice"].startswith("Core Recovery is not a crisis service")
    assert unknown.json()["next_steps"].startswith("Thank you")


def test_contact_requests_are_taken_at_once_while_redis_hangs(api_client, programs, hung_redis):
    statuses = [post(api_client, lead_body(email=f"p{n}@example.org")).status_code for n in range(3)]

    assert statuses == [201, 201, 201]
    assert Lead.objects.count() == 3
    assert LeadEvent.objects.count() == 3  # each one's routing event is in the outbox, Redis or not
    # Only the first request waited for Redis; the others found it paused and went on without it.
    assert len(hung_redis.accepted) == 1
