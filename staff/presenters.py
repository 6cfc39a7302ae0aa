"""What a lead looks like on a staff page: words for codes, the clock against the targets, the next step."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from leads.models import Lead, LeadStatus, Urgency

TRIAGE_WORDS = {
    "suicide": "mentions suicide",
    "self_harm": "mentions self-harm",
    "overdose": "mentions an overdose",
    "harm_to_others": "mentions harming others",
    "psychosis": "mentions hearing voices",
}
# First touch within this many minutes (the center's target); escalation follows at ESCALATE_*_AFTER_MINUTES.
FIRST_TOUCH_TARGET_MINUTES = 5


def triage_words(flags: list[str]) -> str:
    return ", ".join(TRIAGE_WORDS.get(flag, flag.replace("_", " ")) for flag in flags)


def duration_words(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 2880:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} days"


@dataclass(frozen=True)
class Clock:
    """How long the lead has waited for a first touch, against the targets."""

    words: str
    state: str  # "ok", "late" (past the first-touch target), "escalated" (past the escalation time), "done"
    explanation: str


def clock(lead: Lead, *, now: datetime) -> Clock:
    waited = (now - lead.received_at).total_seconds()
    if lead.acknowledged_at is not None or lead.first_attempt_at is not None:
        return Clock(duration_words(waited), "done", "taken on")
    urgent = lead.urgency == Urgency.URGENT
    escalate = settings.ESCALATE_URGENT_AFTER_MINUTES if urgent else settings.ESCALATE_AFTER_MINUTES
    target = min(FIRST_TOUCH_TARGET_MINUTES, escalate)
    if waited >= escalate * 60:
        return Clock(duration_words(waited), "escalated", f"waiting, past the {escalate}-minute escalation")
    if waited >= target * 60:
        return Clock(duration_words(waited), "late", f"waiting, past the {target}-minute target")
    return Clock(duration_words(waited), "ok", f"waiting, within the {target}-minute target")


_NEXT_STEP = {
    LeadStatus.RECEIVED: "Call them",
    LeadStatus.CONTACTED: "Schedule the assessment",
    LeadStatus.ASSESSMENT_SCHEDULED: "Record the outcome of the assessment",
    LeadStatus.UNABLE_TO_REACH: "Try again",
}


def next_step(lead: Lead) -> str:
    if lead.assigned_to_id is None and lead.status == LeadStatus.RECEIVED:
        return "Take it on"
    return _NEXT_STEP.get(LeadStatus(lead.status), "Closed")


def person_name(user: Any) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
