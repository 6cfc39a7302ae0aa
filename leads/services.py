"""The one way to create leads and change them: used by the API, the admin and tasks alike."""

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from leads.crypto import lookup_hash, reseal, seal
from leads.exceptions import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidStatusTransition,
    LeadChangedMeanwhile,
)
from leads.inserts import rows_insert
from leads.models import (
    ContactAttempt,
    IdempotencyRecord,
    Lead,
    LeadEvent,
    LeadKind,
    LeadSource,
    LeadStatus,
    LeadStatusChange,
    Urgency,
)
from leads.triage import triage_text
from ops import metrics
from partners.models import Partner, PartnerUser

logger = logging.getLogger(__name__)

# Crockford's base32 without I, L, O, U: no look-alikes when read out on the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
IDEMPOTENCY_WINDOW = timedelta(hours=24)

# Where a lead may go next. Terminal statuses have no entry.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.RECEIVED: {
        LeadStatus.CONTACTED, LeadStatus.UNABLE_TO_REACH, LeadStatus.NOT_ADMITTED, LeadStatus.REFERRED_ELSEWHERE,
    },
    LeadStatus.CONTACTED: {
        LeadStatus.ASSESSMENT_SCHEDULED, LeadStatus.UNABLE_TO_REACH, LeadStatus.NOT_ADMITTED,
        LeadStatus.REFERRED_ELSEWHERE,
    },
    LeadStatus.ASSESSMENT_SCHEDULED: {
        LeadStatus.ADMITTED, LeadStatus.NOT_ADMITTED, LeadStatus.REFERRED_ELSEWHERE, LeadStatus.UNABLE_TO_REACH,
    },
    LeadStatus.UNABLE_TO_REACH: {LeadStatus.CONTACTED, LeadStatus.NOT_ADMITTED, LeadStatus.REFERRED_ELSEWHERE},
}  # fmt: skip


@dataclass(frozen=True)
class Person:
    """The person seeking help, normalised (phone in E.164, email lower-cased)."""

    first_name: str
    last_name: str = ""
    phone: str = ""
    email: str = ""
    date_of_birth: str = ""
    message: str = ""
    insurance_provider: str = ""
    # Free text ("call Maria after 6 at 602-555-…"): as personal as the message, sealed with it.
    best_time_to_contact: str = ""


@dataclass(frozen=True)
class Referral:
    """What a partner adds to a referral."""

    partner: Partner
    referrer: dict[str, str]
    reason_for_referral: str = ""
    current_level_of_care: str = ""
    urgency: str = Urgency.ROUTINE
    client_consent: bool = False


@dataclass(frozen=True)
class LeadSubmission:
    kind: str
    person: Person
    preferred_contact: str = ""
    program_interest: str = ""
    state: str = "AZ"
    age_range: str = ""
    consent_contact: bool = False
    consent_sms: bool = False
    sms_disclosure_version: str = ""
    # utm_* parameters and the landing page and referrer URLs (reduced by attribution_url_reduce when stored).
    attribution: dict[str, str] = field(default_factory=dict)
    referral: Referral | None = None
    # Caught by the honeypot: stored as spam, with nothing of what was sent (see _lead_create).
    is_spam: bool = False
    # How it reached the center; a lead received by phone or fax names the member of staff who entered it.
    source: str = LeadSource.WEBSITE
    entered_by: Any = None
    # A referral sent through the referral portal names the partner's person who sent it.
    sent_by: PartnerUser | None = None


_PERSON_FIELDS = (
    "first_name", "last_name", "phone", "email", "message", "insurance_provider", "best_time_to_contact",
)  # fmt: skip


def _submission_common(data: dict[str, Any]) -> dict[str, Any]:
    date_of_birth = data.get("date_of_birth")
    person = Person(
        **{name: data.get(name, "") for name in _PERSON_FIELDS},
        date_of_birth=date_of_birth.isoformat() if date_of_birth else "",
    )
    return {
        "person": person,
        "preferred_contact": data.get("preferred_contact", ""),
        "program_interest": data.get("program_interest", ""),
        "state": data["state"],
        "age_range": data.get("age_range", ""),
    }


def contact_request_submission(data: dict[str, Any], **fields: Any) -> LeadSubmission:
    """The submission for a validated contact request (the API's `Lead` fields): from the website form, or
    received by phone and entered by staff (`source`, `entered_by` in `fields`)."""
    consent = data["consent"]
    return LeadSubmission(
        kind=LeadKind.FAMILY_OR_FRIEND if data["relationship"] == "family_or_friend" else LeadKind.SELF,
        consent_contact=consent["contact"],
        consent_sms=consent.get("sms", False),
        sms_disclosure_version=consent.get("sms_disclosure_version", ""),
        **_submission_common(data),
        **fields,
    )


def referral_submission(data: dict[str, Any], *, partner: Partner, **fields: Any) -> LeadSubmission:
    """The submission for a validated referral (the API's `Referral` fields) from `partner`: sent through the
    API or the referral portal (`sent_by` in `fields`), or received by phone or fax and entered by staff
    (`source`, `entered_by` in `fields`)."""
    referral = Referral(
        partner=partner,
        referrer=dict(data["referrer"]),
        reason_for_referral=data["reason_for_referral"],
        current_level_of_care=data.get("current_level_of_care", ""),
        urgency=data["urgency"],
        client_consent=data["client_consent"],
    )
    fields = {"source": LeadSource.PARTNER, **fields}  # from the partner's API call unless staff entered it
    return LeadSubmission(
        kind=LeadKind.PARTNER_REFERRAL, consent_contact=True, referral=referral, **_submission_common(data), **fields
    )


@dataclass(frozen=True)
class IdempotencyRequest:
    client: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class SubmitResult:
    response_status: int
    response_body: dict[str, Any]
    lead: Lead | None
    replayed: bool


def request_fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def form_lead_submit(*, submission: LeadSubmission, client: str, submission_key: str, body: dict[str, Any]) -> str:
    """A lead entered through a page's form (staff's phoned-in lead, the partner portal), made once per showing
    of the form: `submission_key` is the form's hidden key, so a double click or a resend gives the same lead.
    The reference; IdempotencyKeyReused when the same form comes back with other details."""
    fingerprint = request_fingerprint(json.dumps(body, sort_keys=True, default=str).encode())
    result = lead_submit(
        submission=submission,
        idempotency=IdempotencyRequest(client=client, key=submission_key, fingerprint=fingerprint),
        respond=lambda lead: (201, {"reference": lead.reference}),
    )
    return str(result.response_body["reference"])


def _new_reference() -> str:
    return "L-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def _advisory_lock_id(client: str, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{client}\x00{key}".encode()).digest()[:8], "big", signed=True)


# What a submission reads before it writes, in one statement (written once: building a read with the ORM cost
# about three times the CPU of running it, bench/leads.py): the id of the record stored for its Idempotency-Key,
# and the first lead of the series of the latest earlier lead of the same person (same phone or same email)
# within the repeat window. Each side of the OR is one range of an index on (hash, received_at) (migration 0010),
# whatever the number of leads in the window. A NULL client or key, or an empty hash, finds nothing.
_SUBMISSION_READS_SQL = """
    SELECT
      (SELECT id FROM leads_idempotencyrecord WHERE client = %s AND "key" = %s),
      (SELECT COALESCE(repeat_of_id, id) FROM leads_lead
        WHERE ((%s <> '' AND phone_hash = %s) OR (%s <> '' AND email_hash = %s))
          AND received_at >= %s AND NOT is_spam AND anonymised_at IS NULL
        ORDER BY received_at DESC LIMIT 1)
"""


@dataclass(frozen=True)
class _SubmissionReads:
    idempotency_record_id: int | None
    # Every repeat links to the first lead of the series, so staff read one history.
    repeat_of_id: int | None


def _submission_reads(idempotency: IdempotencyRequest | None, *, phone_hash: str, email_hash: str) -> _SubmissionReads:
    """Inside the submission's transaction, what it must know before it writes.

    On PostgreSQL a transaction-scoped advisory lock on (client, key) comes first: it tells a second request
    that arrives while the first is still in flight (409) from one that arrives after it committed (replay),
    without either waiting. The read is a statement of its own after it: its snapshot must not predate the lock.
    """
    client, key = (idempotency.client, idempotency.key) if idempotency is not None else (None, None)
    since = timezone.now() - timedelta(days=settings.LEAD_REPEAT_WINDOW_DAYS)
    with connection.cursor() as cursor:
        if idempotency is not None and connection.vendor == "postgresql":
            lock_id = _advisory_lock_id(idempotency.client, idempotency.key)
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
            if not cursor.fetchone()[0]:
                raise IdempotencyKeyInFlight()
        since_value = connection.ops.adapt_datetimefield_value(since)
        cursor.execute(
            _SUBMISSION_READS_SQL, [client, key, phone_hash, phone_hash, email_hash, email_hash, since_value]
        )
        record_id, repeat_of_id = cursor.fetchone()
    return _SubmissionReads(record_id, repeat_of_id)


def _idempotency_replay(request: IdempotencyRequest, *, record_id: int) -> IdempotencyRecord | None:
    """The stored record to replay for a key seen before (a retry), or None to go ahead (it expired)."""
    record = IdempotencyRecord.objects.get(pk=record_id)
    if record.created_at < timezone.now() - IDEMPOTENCY_WINDOW:
        record.delete()  # an expired key may be used again
        return None
    if record.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused()
    return record


def lead_submit(
    *,
    submission: LeadSubmission,
    idempotency: IdempotencyRequest | None,
    respond: Callable[[Lead], tuple[int, dict[str, Any]]],
) -> SubmitResult:
    """Create a lead with its history, its outbox event and its idempotency record, in one transaction.

    `respond` renders the response for the new lead; it is stored with the Idempotency-Key so that a retry
    gets the first response again. A replay creates nothing.
    """
    # 32**6 (about a billion) references: a collision is rare, and costs a retry of the whole transaction
    # rather than a savepoint around every insert.
    for _ in range(5):
        reference = _new_reference()
        try:
            return _submit_once(submission=submission, idempotency=idempotency, respond=respond, reference=reference)
        except IntegrityError:
            if not Lead.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not draw a free lead reference")


def _submit_once(
    *,
    submission: LeadSubmission,
    idempotency: IdempotencyRequest | None,
    respond: Callable[[Lead], tuple[int, dict[str, Any]]],
    reference: str,
) -> SubmitResult:
    person = submission.person
    # A honeypot catch keeps nothing of what was sent: no hash, no link to another lead.
    phone_hash = "" if submission.is_spam else lookup_hash("phone", person.phone)
    email_hash = "" if submission.is_spam else lookup_hash("email", person.email)
    with transaction.atomic():
        reads = _submission_reads(idempotency, phone_hash=phone_hash, email_hash=email_hash)
        if idempotency is not None and reads.idempotency_record_id is not None:
            record = _idempotency_replay(idempotency, record_id=reads.idempotency_record_id)
            if record is not None:
                return SubmitResult(record.response_status, record.response_body, record.lead, replayed=True)
        lead = _lead_create(
            submission,
            reference=reference,
            phone_hash=phone_hash,
            email_hash=email_hash,
            repeat_of_id=reads.repeat_of_id,
        )
        status, body = respond(lead)
        # What goes with the lead, in one round trip (leads.inserts): its first step, its outbox event (none for
        # spam: never routed) and the response to replay for its Idempotency-Key.
        rows: list[Any] = [
            LeadStatusChange(lead=lead, from_status="", to_status=LeadStatus.RECEIVED, changed_at=lead.received_at)
        ]
        event = None
        if not lead.is_spam:
            event = LeadEvent(lead=lead, kind=LeadEvent.Kind.CREATED, payload=_event_payload(lead))
            rows.append(event)
        if idempotency is not None:
            rows.append(
                IdempotencyRecord(
                    client=idempotency.client,
                    key=idempotency.key,
                    fingerprint=idempotency.fingerprint,
                    response_status=status,
                    response_body=body,
                    lead=lead,
                )
            )
        rows_insert(*rows)
        if event is not None:
            _event_publish(event)
    return SubmitResult(status, body, lead, replayed=False)


def _personal_fields(submission: LeadSubmission) -> dict[str, Any]:
    data: dict[str, Any] = {name: value for name, value in asdict(submission.person).items() if value}
    referral = submission.referral
    if referral is not None:
        data["referrer"] = {name: value for name, value in referral.referrer.items() if value}
        data["reason_for_referral"] = referral.reason_for_referral
        data["current_level_of_care"] = referral.current_level_of_care
    return data


# Attribution keeps what reports use (where a visit came from, which page it landed on, which campaign) and
# nothing that can name a person: query strings carry `?email=`, names and reset or session tokens, fragments
# carry single-page apps' tokens, userinfo carries credentials.
ATTRIBUTION_URL_FIELDS = ("landing_page", "referrer_url")
_WEB_SCHEMES = {"http", "https", ""}


def attribution_url_reduce(*, url: str) -> str:
    """`url` with its scheme, host, path and `utm_*` parameters only: no other parameter, no fragment, no userinfo.

    A relative path, or text that is not a URL, keeps its path part. Another scheme keeps at most its scheme
    and host: `mailto:` and `tel:` hold the address or the number where a web URL has its path.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unbalanced IPv6 bracket: nothing of it is worth keeping
        return ""
    host = parts.netloc.rpartition("@")[2]
    if parts.scheme not in _WEB_SCHEMES:
        return f"{parts.scheme}://{host}" if host else ""
    campaign = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
                if name.lower().startswith("utm_")]  # fmt: skip
    return urlunsplit((parts.scheme, host, parts.path, urlencode(campaign), ""))


def _attribution_columns(attribution: dict[str, str]) -> dict[str, str]:
    columns = {}
    for name, value in attribution.items():
        reduced = attribution_url_reduce(url=value) if name in ATTRIBUTION_URL_FIELDS else value
        columns[name] = reduced[:500]
    return columns


def _lead_create(
    submission: LeadSubmission, *, reference: str, phone_hash: str, email_hash: str, repeat_of_id: int | None
) -> Lead:
    if submission.is_spam:
        return _spam_create(submission, reference=reference)
    person, referral = submission.person, submission.referral
    triage = triage_text(person.message, referral.reason_for_referral if referral else "")
    requested_urgent = referral is not None and referral.urgency == Urgency.URGENT
    lead = Lead.objects.create(
        reference=reference,
        kind=submission.kind,
        source=submission.source,
        entered_by=submission.entered_by,
        sent_by=submission.sent_by,
        partner=referral.partner if referral else None,
        urgency=Urgency.URGENT if triage.urgent or requested_urgent else Urgency.ROUTINE,
        triage_flags=list(triage.flags),
        program_interest=submission.program_interest,
        state=submission.state,
        out_of_state=submission.state != "AZ",
        preferred_contact=submission.preferred_contact,
        age_range=submission.age_range,
        consent_contact=submission.consent_contact,
        consent_sms=submission.consent_sms,
        sms_disclosure_version=submission.sms_disclosure_version if submission.consent_sms else "",
        client_consent_attested=bool(referral and referral.client_consent),
        sealed=seal(_personal_fields(submission)),
        phone_hash=phone_hash,
        email_hash=email_hash,
        repeat_of_id=repeat_of_id,
        **_attribution_columns(submission.attribution),
    )
    metrics.lead_received(kind=lead.kind, source=lead.source)
    return lead


def _spam_create(submission: LeadSubmission, *, reference: str) -> Lead:
    """A honeypot catch: only what counts abuse (kind, reference, times). Nothing a bot sent is kept, not even
    a state, an age range, a program or a page: it may be a real person's data that the bot replays. Never
    routed (no event)."""
    lead = Lead.objects.create(reference=reference, kind=submission.kind, is_spam=True)
    metrics.lead_received(kind=lead.kind, source=lead.source, is_spam=True)
    return lead


def _event_payload(lead: Lead, **extra: Any) -> dict[str, Any]:
    # Nothing personal: events feed notifications and partners' webhooks.
    return {
        "reference": lead.reference,
        "kind": lead.kind,
        "status": lead.status,
        "urgency": lead.urgency,
        "program_interest": lead.program_interest,
        "out_of_state": lead.out_of_state,
        "partner_id": lead.partner_id,
        "repeat": lead.repeat_of_id is not None,
        **extra,
    }


def _event_record(lead: Lead, kind: str, **extra: Any) -> LeadEvent:
    event = LeadEvent.objects.create(lead=lead, kind=kind, payload=_event_payload(lead, **extra))
    _event_publish(event)
    return event


def _event_publish(event: LeadEvent) -> None:
    """Hand the event to the router once its transaction commits."""
    publisher_path = settings.LEAD_EVENT_PUBLISHER
    if publisher_path:
        publisher = import_string(publisher_path)
        # robust: a failure to enqueue never fails the request; the event waits in the outbox.
        transaction.on_commit(lambda: publisher(event.id), robust=True)


def allowed_next_statuses(status: str) -> list[str]:
    """The statuses a lead in `status` may move to, in the order of the flow."""
    allowed = STATUS_TRANSITIONS.get(status, set())
    return [choice for choice in LeadStatus.values if choice in allowed]


def _refuse_if_changed(lead: Lead, *, expected_status: str | None) -> None:
    if expected_status is not None and lead.status != expected_status:
        raise LeadChangedMeanwhile(
            f"Someone else moved this lead to {LeadStatus(lead.status).label.lower()} meanwhile; nothing was changed."
        )


def _take_on(lead: Lead, *, by: Any, now: Any) -> list[str]:
    """Mark a locked lead acknowledged (and assigned, if nobody has it) by `by`; the fields changed."""
    changed = []
    if lead.acknowledged_at is None and by is not None:
        lead.acknowledged_at, lead.acknowledged_by = now, by
        metrics.lead_acknowledged(received_at=lead.received_at, at=now)
        changed += ["acknowledged_at", "acknowledged_by"]
    if lead.assigned_to_id is None and by is not None:
        lead.assigned_to = by
        changed.append("assigned_to")
    return changed


@transaction.atomic
def lead_change_status(
    *,
    lead: Lead,
    to_status: str,
    changed_by: Any = None,
    reason_category: str = "",
    note: str = "",
    expected_status: str | None = None,
) -> Lead:
    """Move a lead along its status flow, recording who, when, from, to and why, and an event.

    A move by a member of staff also takes the lead on (acknowledged, assigned if nobody has it): a referral
    moved straight to "contacted" was being worked. `expected_status` is the status the person saw: if the lead
    moved meanwhile, nothing changes and LeadChangedMeanwhile says so.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _refuse_if_changed(lead, expected_status=expected_status)
    allowed = allowed_next_statuses(lead.status)
    if to_status not in allowed:
        current = LeadStatus(lead.status).label.lower()
        options = ", ".join(LeadStatus(choice).label.lower() for choice in allowed) or "none (it is closed)"
        raise InvalidStatusTransition(f"A lead that is {current} cannot become {to_status}. It can become: {options}.")
    if to_status == LeadStatus.NOT_ADMITTED and not reason_category:
        raise InvalidStatusTransition("A lead that is not admitted needs a reason category.")
    from_status = lead.status
    lead.status = to_status
    lead.status_reason = reason_category if to_status == LeadStatus.NOT_ADMITTED else ""
    taken = _take_on(lead, by=changed_by, now=timezone.now())
    lead.save(update_fields=["status", "status_reason", "updated_at", *taken])
    LeadStatusChange.objects.create(
        lead=lead,
        from_status=from_status,
        to_status=to_status,
        reason_category=lead.status_reason,
        sealed_note=seal({"note": note}) if note else "",
        changed_by=changed_by,
    )
    _event_record(lead, LeadEvent.Kind.STATUS_CHANGED, from_status=from_status)
    return lead


@transaction.atomic
def lead_acknowledge(*, lead: Lead, by: Any) -> bool:
    """Record that a member of staff took the lead on (and assign it to them if nobody has it); stops
    escalation. False if it was already acknowledged."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    first = locked.acknowledged_at is None
    taken = _take_on(locked, by=by, now=timezone.now())
    if taken:
        locked.save(update_fields=[*taken, "updated_at"])
    lead.refresh_from_db(fields=["acknowledged_at", "acknowledged_by", "assigned_to"])
    return first


@transaction.atomic
def lead_take(*, lead: Lead, by: Any) -> Lead:
    """ "I'm on it": acknowledge the lead and assign it to `by`, in one step.

    Refused (LeadChangedMeanwhile, nothing changed) when someone else already has it: two people pressing the
    button at once, one wins and the other is told who has it.
    """
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.assigned_to_id not in (None, by.pk):
        raise LeadChangedMeanwhile(f"{_display_name(locked.assigned_to)} has this lead already; nothing was changed.")
    taken = _take_on(locked, by=by, now=timezone.now())
    if taken:
        locked.save(update_fields=[*taken, "updated_at"])
    return locked


@transaction.atomic
def lead_reassign(*, lead: Lead, to: Any, by: Any, expected_assignee_id: int | None) -> Lead:
    """Give the lead to another member of staff (an intake lead's decision); refused if it changed hands meanwhile."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.assigned_to_id != expected_assignee_id:
        raise LeadChangedMeanwhile("This lead changed hands meanwhile; nothing was changed.")
    locked.assigned_to = to
    locked.save(update_fields=["assigned_to", "updated_at"])
    return locked


@transaction.atomic
def contact_attempt_record(*, lead: Lead, by: Any, channel: str, outcome: str, note: str = "") -> ContactAttempt:
    """Log a try at reaching the person. The first one records the time to first attempt and, like
    acknowledging, stops escalation."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    attempt = ContactAttempt.objects.create(
        lead=locked, channel=channel, outcome=outcome, attempted_by=by, sealed_note=seal({"note": note}) if note else ""
    )
    changed = _take_on(locked, by=by, now=attempt.attempted_at)
    if locked.first_attempt_at is None:
        locked.first_attempt_at = attempt.attempted_at
        metrics.lead_first_contact_attempt(received_at=locked.received_at, at=attempt.attempted_at)
        changed.append("first_attempt_at")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return attempt


def _display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "Someone"


@transaction.atomic
def lead_escalate(*, lead: Lead, max_level: int) -> LeadEvent | None:
    """Raise the escalation level of an unacknowledged lead and emit `lead.escalated`; None past the cap."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.acknowledged_at is not None or lead.escalation_level >= max_level or lead.is_spam:
        return None
    lead.escalation_level += 1
    lead.save(update_fields=["escalation_level", "updated_at"])
    return _event_record(lead, LeadEvent.Kind.ESCALATED, escalation_level=lead.escalation_level)


def leads_anonymise_expired(*, now: Any = None, batch_size: int = 500) -> int:
    """Strip personal data from leads older than LEAD_RETENTION_DAYS; keeps what reports count."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LEAD_RETENTION_DAYS)
    total = 0
    while True:
        # Batches keep each transaction short on a large table.
        with transaction.atomic():
            ids = list(
                Lead.objects.filter(received_at__lt=cutoff, anonymised_at__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            Lead.objects.filter(id__in=ids).update(
                sealed="", phone_hash="", email_hash="", landing_page="", referrer_url="", anonymised_at=now
            )
            LeadStatusChange.objects.filter(lead_id__in=ids).update(sealed_note="")
            ContactAttempt.objects.filter(lead_id__in=ids).update(sealed_note="")
            IdempotencyRecord.objects.filter(lead_id__in=ids).delete()
            total += len(ids)
    IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_WINDOW).delete()
    return total


# Every (model, field) sealed with FIELD_ENCRYPTION_KEYS. Apps that seal with the same keys add theirs
# when they load (notifications: webhook secrets), so one key rotation covers them all.
SEALED_FIELDS: list[tuple[Any, str]] = [
    (Lead, "sealed"), (LeadStatusChange, "sealed_note"), (ContactAttempt, "sealed_note"),
]  # fmt: skip


def leads_reseal(*, batch_size: int = 500) -> int:
    """Re-encrypt every sealed field under the newest key of FIELD_ENCRYPTION_KEYS; returns rows changed."""
    changed = 0
    for model, field_name in SEALED_FIELDS:
        last_id = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(id__gt=last_id)
                    .exclude(**{field_name: ""})
                    .order_by("id")
                    .only("id", field_name)[:batch_size]
                )
                if not rows:
                    break
                for row in rows:
                    setattr(row, field_name, reseal(getattr(row, field_name)))
                model.objects.bulk_update(rows, [field_name])
                changed += len(rows)
                last_id = rows[-1].id
    return changed
