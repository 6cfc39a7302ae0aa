"""Partners send referrals with API keys and see only their own, with the minimum necessary."""

import pytest
from django.core.management import call_command

from leads import services
from leads.crypto import unseal
from leads.models import Lead
from partners.models import ClientAPIKey, Partner
from tests.leads.conftest import make_key, referral_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def send(api_client, credentials, **overrides):
    return api_client.post(URL, referral_body(**overrides), format="json", **credentials.header)


def test_a_partner_sends_a_referral_and_the_details_are_stored_encrypted(api_client, programs, partner_a):
    response = send(api_client, partner_a)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received"
    assert body["urgency"] == "routine"
    assert body["program_interest"] == "php"
    assert [step["status"] for step in body["status_history"]] == ["received"]
    assert "Step-down" not in response.content.decode()
    assert "Casey" not in response.content.decode()
    lead = Lead.objects.get(reference=body["reference"])
    assert lead.kind == "partner_referral"
    assert lead.partner == partner_a.partner
    assert lead.client_consent_attested
    stored = unseal(lead.sealed)
    assert stored["referrer"]["name"] == "Dr. Test Clinician"
    assert stored["reason_for_referral"].startswith("Step-down")


def test_an_urgent_referral_is_urgent(api_client, programs, partner_a):
    assert send(api_client, partner_a, urgency="urgent").json()["urgency"] == "urgent"


def test_the_clients_consent_must_be_attested(api_client, programs, partner_a):
    response = send(api_client, partner_a, client_consent=False)

    assert response.status_code == 400
    assert "client_consent" in response.json()["errors"]


@pytest.mark.parametrize("field", ["partner", "status", "reference", "kind"])
def test_fields_a_partner_must_not_set_are_refused(api_client, programs, partner_a, field):
    response = send(api_client, partner_a, **{field: "x"})

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Lead.objects.exists()


def test_a_partner_lists_and_reads_only_its_own_referrals(api_client, programs, partner_a, partner_b):
    mine = send(api_client, partner_a).json()["reference"]
    theirs = send(api_client, partner_b).json()["reference"]

    listed = api_client.get(URL, **partner_a.header).json()
    own = api_client.get(f"{URL}{mine}/", **partner_a.header)
    other = api_client.get(f"{URL}{theirs}/", **partner_a.header)
    missing = api_client.get(f"{URL}L-000000/", **partner_a.header)

    assert [item["reference"] for item in listed["results"]] == [mine]
    assert own.status_code == 200
    assert own["Cache-Control"] == "private, no-store"
    # Another partner's referral and one that does not exist are indistinguishable.
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_the_read_shows_the_status_history_and_never_the_clinical_details(api_client, programs, partner_a):
    reference = send(api_client, partner_a).json()["reference"]
    lead = Lead.objects.get(reference=reference)
    services.lead_change_status(lead=lead, to_status="contacted")
    services.lead_change_status(lead=lead, to_status="not_admitted", reason_category="insurance", note="Name: x")

    body = api_client.get(f"{URL}{reference}/", **partner_a.header).json()

    assert body["status"] == "not_admitted"
    assert [(step["status"], step["reason_category"]) for step in body["status_history"]] == [
        ("received", ""), ("contacted", ""), ("not_admitted", "insurance"),
    ]  # fmt: skip
    assert set(body) == {
        "reference", "status", "status_history", "program_interest", "urgency", "received_at",
        "crisis_resources", "crisis_notice",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "credentials", "status"),
    [
        ("get", None, 401),
        ("post", None, 401),
        ("get", "bad", 401),
        ("get", "revoked_key", 401),
        ("get", "expired_key", 401),
        ("get", "site_key", 403),
        ("post", "site_key", 403),
        ("post", "read_only", 403),
        ("get", "write_only", 403),
    ],
)
def test_keys_that_may_not_are_refused(api_client, programs, request, method, credentials, status):
    headers = {}
    if credentials == "bad":
        headers = {"HTTP_AUTHORIZATION": "Api-Key notakey.atall"}
    elif credentials in {"read_only", "write_only"}:
        partner_a = request.getfixturevalue("partner_a")
        scope = "referrals:read" if credentials == "read_only" else "referrals:write"
        headers = make_key(partner_a.partner, [scope]).header
    elif credentials:
        headers = request.getfixturevalue(credentials).header

    if method == "get":
        response = api_client.get(URL, **headers)
    else:
        response = api_client.post(URL, referral_body(), format="json", **headers)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    if status == 401:
        assert response["WWW-Authenticate"] == "Api-Key"
    assert not Lead.objects.exists()


def test_a_key_records_when_it_was_last_used(api_client, programs, partner_a):
    api_client.get(URL, **partner_a.header)

    assert ClientAPIKey.objects.get(partner=partner_a.partner).last_used_at is not None


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash(capsys, api_client, programs):
    call_command(
        "create_api_key",
        "--partner",
        "Desert Clinic",
        "--kind",
        "clinician",
        "--scopes",
        "referrals:write,referrals:read",
    )
    key = capsys.readouterr().out.strip().splitlines()[-1]

    stored = ClientAPIKey.objects.get(partner__name="Desert Clinic")
    assert key not in stored.hashed_key
    assert key.split(".")[1] not in stored.id
    assert api_client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200


def test_create_api_key_refuses_referral_scopes_without_a_partner():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Referral scopes need a partner"):
        call_command("create_api_key", "--site", "Website", "--scopes", "referrals:read")


def test_create_api_key_asks_the_kind_of_a_new_partner_and_files_it():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="new partner: say its kind"):
        call_command("create_api_key", "--partner", "Valley School", "--scopes", "referrals:write")
    assert not Partner.objects.filter(name="Valley School").exists()

    call_command("create_api_key", "--partner", "Valley School", "--kind", "school", "--scopes", "referrals:write")
    assert Partner.objects.get(name="Valley School").kind == "school"
    # An existing partner keeps its kind; a second key needs no --kind.
    call_command("create_api_key", "--partner", "Valley School", "--scopes", "referrals:read")
    assert ClientAPIKey.objects.filter(partner__name="Valley School").count() == 2


def test_the_key_of_a_partner_no_longer_active_is_refused(api_client, programs, partner_a):
    assert api_client.get(URL, **partner_a.header).status_code == 200
    partner_a.partner.is_active = False
    partner_a.partner.save(update_fields=["is_active"])

    read = api_client.get(URL, **partner_a.header)
    sent = api_client.post(URL, referral_body(), format="json", **partner_a.header)

    assert (read.status_code, sent.status_code) == (401, 401)
    assert read.json()["detail"] == "The partner of this API key is not active."
    assert sent["WWW-Authenticate"] == "Api-Key"
    assert not Lead.objects.exists()


def test_each_partner_key_is_throttled_apart_whatever_its_address(
    api_client, programs, partner_a, partner_b, settings, steady_throttle_window
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "partner": "2/hour"}}  # fmt: skip

    # The same key from two addresses counts as one client; another partner's key from the same address does not.
    def send_from(credentials, address):
        return api_client.post(URL, referral_body(), format="json", REMOTE_ADDR=address, **credentials.header)

    first = [send_from(partner_a, address).status_code for address in ("192.0.2.1", "192.0.2.2")]
    over = api_client.get(URL, REMOTE_ADDR="192.0.2.3", **partner_a.header)
    other = send_from(partner_b, "192.0.2.1")

    assert first == [201, 201]
    assert over.status_code == 429
    assert over["Content-Type"] == "application/problem+json"
    assert int(over["Retry-After"]) >= 1
    assert other.status_code == 201
    assert Lead.objects.filter(partner=partner_a.partner).count() == 2
