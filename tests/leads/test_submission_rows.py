"""What a submission writes beside its lead (first status step, outbox event, idempotency record) goes in one
round trip (leads.inserts), and reads back exactly as the ORM would have written it. Also on SQLite (`make run`),
which takes the rows one INSERT at a time."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.inserts import rows_insert
from leads.models import IdempotencyRecord, Lead, LeadEvent, LeadStatus, LeadStatusChange
from tests.leads.conftest import lead_body

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_a_submission_writes_its_step_event_and_idempotency_record_with_the_orms_values(api_client, programs):
    response = api_client.post("/api/v1/leads/", lead_body(), format="json", HTTP_IDEMPOTENCY_KEY="rows-1")

    assert response.status_code == 201, response.content
    lead = Lead.objects.get(reference=response.json()["reference"])
    step = LeadStatusChange.objects.get(lead=lead)
    assert (step.from_status, step.to_status, step.changed_at, step.changed_by) == (
        "", LeadStatus.RECEIVED, lead.received_at, None
    )  # fmt: skip
    event = LeadEvent.objects.get(lead=lead)
    assert event.kind == LeadEvent.Kind.CREATED
    assert (event.payload["reference"], event.payload["status"]) == (lead.reference, LeadStatus.RECEIVED)
    assert event.routed_at is None
    assert event.created_at is not None
    record = IdempotencyRecord.objects.get(lead=lead)
    assert (record.key, record.response_status, record.response_body) == ("rows-1", 201, response.json())


def test_a_honeypot_catch_has_its_step_and_no_event(api_client, programs):
    response = api_client.post("/api/v1/leads/", lead_body(website="https://spam.example"), format="json")

    assert response.status_code == 201
    lead = Lead.objects.get(reference=response.json()["reference"])
    assert lead.is_spam
    assert LeadStatusChange.objects.filter(lead=lead, to_status=LeadStatus.RECEIVED).count() == 1
    assert not LeadEvent.objects.filter(lead=lead).exists()


def test_rows_insert_sets_the_ids_and_sends_one_statement_on_postgresql(programs):
    lead = Lead.objects.create(reference="L-ROWS01", kind="contact_request")
    step = LeadStatusChange(lead=lead, to_status=LeadStatus.RECEIVED, changed_at=timezone.now())
    event = LeadEvent(lead=lead, kind=LeadEvent.Kind.CREATED, payload={"nested": {"list": [1, "two"]}})

    with CaptureQueriesContext(connection) as queries:
        rows_insert(step, event)

    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert step.pk is not None
    assert event.pk is not None
    assert not step._state.adding
    assert LeadEvent.objects.get(pk=event.pk).payload == {"nested": {"list": [1, "two"]}}
    assert LeadStatusChange.objects.get(pk=step.pk).lead_id == lead.pk


def test_rows_insert_writes_nothing_when_its_transaction_rolls_back(programs):
    lead = Lead.objects.create(reference="L-ROWS02", kind="contact_request")

    def submission_failing_after_its_rows():
        with transaction.atomic():
            rows_insert(LeadEvent(lead=lead, kind=LeadEvent.Kind.CREATED))
            raise RuntimeError("the submission failed after its rows")

    with pytest.raises(RuntimeError):
        submission_failing_after_its_rows()

    assert not LeadEvent.objects.filter(lead=lead).exists()
