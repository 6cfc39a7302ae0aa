"""Messages to staff, minimum necessary: reference, kind, program, urgency, age and a link. Never a name, a
phone, an email, a message or a diagnosis; a test renders every template for a lead full of personal data."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Notification

# GSM-7 basic set: a text outside it is sent as UCS-2, in 70-character segments.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_LIMIT = 160

# Short on purpose: an SMS is 160 characters with the link.
_EVENT_TITLES = {
    "lead.created": "new lead",
    "lead.status_changed": "status",
    "lead.escalated": "NOT ACKED",
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    sms: str


def age_text(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes}m ago"
    return f"{minutes // 60}h ago"


def ack_url(token: str) -> str:
    return settings.ADMIN_BASE_URL.rstrip("/") + reverse("v1:lead-ack", args=[token])


def render(
    notification: Notification, *, token: str, now: datetime | None = None, channel: str | None = None
) -> RenderedMessage:
    """The message's texts; with a `channel`, only that channel's (the others empty): a send renders what it
    sends, which halves the template work of a burst."""
    event = notification.event
    lead = event.lead
    now = now or timezone.now()
    context = {
        "title": _EVENT_TITLES.get(event.kind, "Lead update"),
        "reference": lead.reference,
        "kind": {"self": "self", "family_or_friend": "family", "partner_referral": "referral"}[lead.kind],
        "program": lead.program_interest or "unspecified",
        "urgent": lead.urgency == "urgent",
        "age": age_text(lead.received_at, now),
        "link": ack_url(token),
        "status": lead.get_status_display(),
        "partner": lead.partner.name if lead.partner else "",
        "out_of_state": lead.out_of_state,
        "state": lead.state,
        "escalation_level": event.payload.get("escalation_level"),
        "source": "Partner referral" if lead.partner_id else "Website",
    }
    email = channel in (None, Channel.EMAIL)
    return RenderedMessage(
        subject=" ".join(render_to_string("notifications/lead.subject.txt", context).split()) if email else "",
        text=render_to_string("notifications/lead.email.txt", context) if email else "",
        html=render_to_string("notifications/lead.email.html", context) if email else "",
        sms=render_to_string("notifications/lead.sms.txt", context).strip() if channel != Channel.EMAIL else "",
    )


def fits_one_sms(text: str) -> bool:
    return len(text) <= SMS_LIMIT and set(text) <= _GSM7
