"""Encryption at rest with key rotation, nothing personal in logs, retention."""

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.utils import timezone

from leads import services
from leads.crypto import unseal
from leads.models import IdempotencyRecord, Lead, LeadStatusChange
from ops.logs import JsonFormatter
from tests.leads.conftest import lead_body, referral_body

pytestmark = pytest.mark.django_db

SECRETS = ("Quillon", "Marchbanks", "6025550199", "555-0199", "quillon@example.org", "tangerine", "1984-02-03",
           "Dr. Oddly Specific", "Blue Mesa Insurance")  # fmt: skip


def test_key_rotation_reencrypts_every_row_under_the_new_key(api_client, programs, settings):
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    reference = api_client.post("/api/v1/leads/", lead_body(), format="json").json()["reference"]
    lead = Lead.objects.get(reference=reference)
    services.lead_change_status(lead=lead, to_status="contacted", note="Left a voicemail")

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_lead_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]

    lead.refresh_from_db()
    assert unseal(lead.sealed)["first_name"] == "Jordan"
    assert unseal(LeadStatusChange.objects.exclude(sealed_note="").get().sealed_note) == {"note": "Left a voicemail"}
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(InvalidToken):
        unseal(lead.sealed)


def test_no_submitted_value_reaches_any_log(api_client, programs, partner_a, caplog):
    caplog.set_level(logging.DEBUG)
    body = lead_body(first_name="Quillon", last_name="Marchbanks", phone="602-555-0199", email="quillon@example.org",
                     message="I want to end my life. tangerine", insurance_provider="Blue Mesa Insurance",
                     date_of_birth="1984-02-03")  # fmt: skip

    api_client.post("/api/v1/leads/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    api_client.post("/api/v1/leads/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    api_client.post("/api/v1/leads/", {**body, "phone": "12"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    api_client.post("/api/v1/leads/", {**body, "email": "quillon@"}, format="json")
    referral = referral_body(
        first_name="Quillon", referrer={"name": "Dr. Oddly Specific"}, reason_for_referral="tangerine"
    )
    api_client.post("/api/v1/referrals/", referral, format="json", **partner_a.header)

    logged = "\n".join(f"{record.getMessage()} {record.args} {record.exc_text}" for record in caplog.records)
    # And as production writes them: one JSON object per line (ops.logs).
    logged += "\n".join(JsonFormatter().format(record) for record in caplog.records)
    for secret in SECRETS:
        assert secret not in logged


def test_retention_anonymises_old_leads_and_keeps_the_counts(api_client, programs, settings):
    settings.LEAD_RETENTION_DAYS = 730
    old = Lead.objects.get(reference=api_client.post("/api/v1/leads/", lead_body(), format="json",
                                                     HTTP_IDEMPOTENCY_KEY="old").json()["reference"])  # fmt: skip
    services.lead_change_status(lead=old, to_status="contacted", note="Spoke with them")
    recent = Lead.objects.get(
        reference=api_client.post("/api/v1/leads/", lead_body(), format="json").json()["reference"]
    )
    Lead.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=731))

    call_command("purge_leads")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.sealed == ""
    assert old.phone_hash == ""
    assert old.email_hash == ""
    assert old.anonymised_at is not None
    assert old.status == "contacted"
    assert old.kind == "self"
    assert old.program_interest == "iop"
    assert not LeadStatusChange.objects.filter(lead=old).exclude(sealed_note="").exists()
    assert not IdempotencyRecord.objects.filter(lead=old).exists()
    assert unseal(recent.sealed)["first_name"] == "Jordan"
    assert recent.anonymised_at is None
    assert Lead.objects.count() == 2


def test_the_retention_task_runs_the_same_service(api_client, programs):
    from leads.tasks import anonymise_expired_leads

    lead = Lead.objects.get(reference=api_client.post("/api/v1/leads/", lead_body(), format="json").json()["reference"])
    Lead.objects.filter(pk=lead.pk).update(received_at=timezone.now() - timedelta(days=800))

    assert anonymise_expired_leads.delay().get() == 1
