"""A referral's statuses in words a partner reads (English or Spanish), from the API's values."""

from datetime import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext_lazy as _

register = template.Library()

STATUS_WORDS = {
    "received": _("Received: waiting for our admissions team"),
    "contacted": _("Contacted by our admissions team"),
    "assessment_scheduled": _("Assessment scheduled"),
    "admitted": _("Admitted"),
    "not_admitted": _("Not admitted"),
    "unable_to_reach": _("We could not reach them yet"),
    "referred_elsewhere": _("Referred to another provider"),
}
REASON_WORDS = {
    "clinical_fit": _("needs a different level of care"),
    "insurance": _("insurance or cost"),
    "declined": _("declined treatment"),
    "capacity": _("no capacity"),
    "out_of_state": _("lives outside Arizona"),
    "other": _("another reason"),
}
URGENCY_WORDS = {"routine": _("Routine"), "urgent": _("Urgent")}


@register.filter
def status_words(value: str) -> str:
    return str(STATUS_WORDS.get(value, value))


@register.filter
def reason_words(value: str) -> str:
    return str(REASON_WORDS.get(value, value))


@register.filter
def urgency_words(value: str) -> str:
    return str(URGENCY_WORDS.get(value, value))


@register.filter
def when(value: str) -> str:
    """An ISO 8601 time from the API's body, as the active language writes dates."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return str(formats.date_format(moment, "DATETIME_FORMAT"))
