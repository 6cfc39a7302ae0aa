"""Reads of leads for staff. Reading personal data (and notes, which may name people) is logged."""

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from leads.crypto import lookup_hash, unseal
from leads.models import (
    TERMINAL_STATUSES,
    ContactAttempt,
    Lead,
    LeadAccessLog,
    LeadKind,
    LeadStatusChange,
    Urgency,
)
from partners.models import Partner

PERSONAL_PERMISSION = "leads.view_personal_data"
# Every lead, or only the referrals of the partners the viewer looks after (the Partner liaison role).
ALL_LEADS_PERMISSION = "leads.view_lead"
PARTNER_REFERRALS_PERMISSION = "leads.view_partner_referrals"
_REFERENCE = re.compile(r"^(L-)?[0-9A-Z]{6}$")


def lead_series(*, lead: Lead) -> list[Lead]:
    """The lead and every repeat contact of the same person, oldest first."""
    root_id = lead.repeat_of_id or lead.id
    # One OR rather than union().order_by(), which SQLite (`make run`) refuses: the lead page answered 500 there.
    return list(Lead.objects.filter(Q(id=root_id) | Q(repeat_of_id=root_id)).order_by("received_at"))


def lead_personal_data(*, lead: Lead, viewed_by: Any) -> dict[str, Any]:
    """The decrypted personal fields; records who looked, and when."""
    LeadAccessLog.objects.create(lead=lead, user=viewed_by, action="view")
    return unseal(lead.sealed)


def partners_visible_to(viewer: Any) -> QuerySet[Partner]:
    """The partners whose referrals `viewer` may see (all of them, or those they look after): for filters."""
    if viewer.has_perm(ALL_LEADS_PERMISSION):
        return Partner.objects.all()
    return Partner.objects.filter(liaison_staff=viewer)


def partner_referrals(*, partner: Partner) -> QuerySet[Lead]:
    """A partner's own referrals, newest first, with their status history: only the columns a partner may see
    (the API's `/referrals/` and the referral portal alike), never another partner's."""
    history = Prefetch("status_changes", queryset=LeadStatusChange.objects.only(
        "lead_id", "to_status", "reason_category", "changed_at"))  # fmt: skip
    return (
        Lead.objects.filter(partner=partner, kind=LeadKind.PARTNER_REFERRAL)
        .only("id", "reference", "status", "program_interest", "urgency", "received_at", "partner_id")
        .prefetch_related(history)
        .order_by("-received_at", "-id")
    )


def leads_visible_to(viewer: Any) -> QuerySet[Lead]:
    """The leads `viewer` may open: all of them, their partners' referrals, or none. Never spam."""
    leads = Lead.objects.filter(is_spam=False)
    if viewer.has_perm(ALL_LEADS_PERMISSION):
        return leads
    if viewer.has_perm(PARTNER_REFERRALS_PERMISSION):
        return leads.filter(partner__liaison_staff=viewer)
    return leads.none()


@dataclass(frozen=True)
class InboxFilters:
    mine: bool = False
    unassigned: bool = False
    urgent: bool = False
    program: str = ""
    partner_id: int | None = None
    source: str = ""
    status: str = ""
    # A reference (L-7F3K9Q), or a phone number or email address, looked up through their keyed hashes.
    search: str = ""


def _search(leads: QuerySet[Lead], text: str, *, viewer: Any) -> QuerySet[Lead]:
    text = text.strip()
    if _REFERENCE.match(text.upper()):
        reference = text.upper()
        return leads.filter(reference=reference if reference.startswith("L-") else f"L-{reference}")
    # Finding someone by their phone or email tells that they are here: personal data, for those allowed it.
    if not viewer.has_perm(PERSONAL_PERMISSION):
        return leads.none()
    if "@" in text:
        return leads.filter(email_hash=lookup_hash("email", text.lower()))
    phone = normalised_phone(text)
    return leads.filter(phone_hash=lookup_hash("phone", phone)) if phone else leads.none()


def normalised_phone(text: str) -> str:
    """`text` as an E.164 number, as leads store it, or "" when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if phonenumbers.is_valid_number(
        number
    ) else ""  # fmt: skip


def inbox_leads(*, viewer: Any, filters: InboxFilters) -> QuerySet[Lead]:
    """Open leads (not in a terminal status) the viewer may see: urgent first, then oldest first, with the
    number of contact attempts; one query for the page whatever its length."""
    # The attempts are counted by a subquery a row, not a join and GROUP BY: with a year of attempts the planner
    # hashed the whole attempts table to count those of 500 open leads (bench/staff.py). The sealed personal
    # data stays unread: the inbox never shows it.
    attempts = ContactAttempt.objects.filter(lead=OuterRef("pk")).order_by().values("lead").annotate(
        n=Count("id")).values("n")  # fmt: skip
    leads: QuerySet[Lead] = (
        leads_visible_to(viewer)
        .exclude(status__in=TERMINAL_STATUSES)
        .select_related("partner", "assigned_to")
        .defer("sealed")
        .annotate(
            attempt_count=Coalesce(Subquery(attempts), 0),
            urgent_first=Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1),
                              output_field=IntegerField()),
        )
        .order_by("urgent_first", "received_at", "id")
    )  # fmt: skip
    if filters.mine:
        leads = leads.filter(assigned_to=viewer)
    if filters.unassigned:
        leads = leads.filter(assigned_to__isnull=True)
    if filters.urgent:
        leads = leads.filter(urgency=Urgency.URGENT)
    if filters.program:
        leads = leads.filter(program_interest=filters.program)
    if filters.partner_id is not None:
        leads = leads.filter(partner_id=filters.partner_id)
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.search:
        leads = _search(leads, filters.search, viewer=viewer)
    return leads


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    by: Any
    what: str
    reason: str
    note: str | None  # None: there is a note the viewer may not read


def _note(sealed_note: str, *, readable: bool) -> str | None:
    if not sealed_note:
        return ""
    return unseal(sealed_note).get("note", "") if readable else None


def lead_status_history(*, lead: Lead, viewer: Any) -> list[HistoryEntry]:
    """Who moved the lead, when, from what to what and why; notes decrypted for staff allowed personal data
    (the caller has logged the view of the lead's page)."""
    readable = viewer.has_perm(PERSONAL_PERMISSION)
    changes = LeadStatusChange.objects.filter(lead=lead).select_related("changed_by").order_by("changed_at", "id")
    return [
        HistoryEntry(
            at=change.changed_at,
            by=change.changed_by,
            what=change.get_to_status_display(),
            reason=change.get_reason_category_display() if change.reason_category else "",
            note=_note(change.sealed_note, readable=readable),
        )
        for change in changes
    ]


def lead_contact_attempts(*, lead: Lead, viewer: Any) -> list[HistoryEntry]:
    readable = viewer.has_perm(PERSONAL_PERMISSION)
    attempts = ContactAttempt.objects.filter(lead=lead).select_related("attempted_by").order_by("attempted_at", "id")
    return [
        HistoryEntry(
            at=attempt.attempted_at,
            by=attempt.attempted_by,
            what=attempt.get_channel_display(),
            reason=attempt.get_outcome_display(),
            note=_note(attempt.sealed_note, readable=readable),
        )
        for attempt in attempts
    ]


def lead_access_log(*, lead: Lead, limit: int = 50) -> list[LeadAccessLog]:
    return list(LeadAccessLog.objects.filter(lead=lead).select_related("user").order_by("-viewed_at", "-id")[:limit])


def staff_who_work_leads() -> QuerySet[Any]:
    """Active staff accounts that may work leads (change them): whom a lead can be given to."""
    permission = Permission.objects.filter(content_type__app_label="leads", codename="change_lead")
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return (
        users.filter(Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .distinct()
        .order_by("first_name", "username")
    )
