"""The optional confirmation to the person who wrote (LEAD_CONFIRMATION_CHANNELS, off by default).

Generic words only: that we received the request, its reference, and the crisis lines. Sent once, on the
first channel the person consented to (email with their consent to be contacted; SMS only with their SMS
consent), never for a partner's referral (the client did not write to us) or for spam.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from leads.crypto import unseal
from leads.models import ContactMethod, Lead, LeadKind
from notifications.backends.base import DeliveryError
from notifications.services import sms_backend


def _channels_for(lead: Lead, person: dict[str, str]) -> list[str]:
    allowed = []
    for channel in settings.LEAD_CONFIRMATION_CHANNELS:
        if channel == ContactMethod.EMAIL and lead.consent_contact and person.get("email"):
            allowed.append(channel)
        if channel == ContactMethod.SMS and lead.consent_sms and person.get("phone"):
            allowed.append(channel)
    # The person's preferred channel first.
    return sorted(allowed, key=lambda channel: channel != lead.preferred_contact)


def lead_confirm(*, lead_id: int) -> str | None:
    """Send the confirmation once; returns the channel used, or None when none applies or it was sent."""
    if not settings.LEAD_CONFIRMATION_CHANNELS:
        return None
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id, confirmation_sent_at__isnull=True).first()
        if lead is None or lead.is_spam or lead.kind == LeadKind.PARTNER_REFERRAL:
            return None
        person = unseal(lead.sealed)
        context = {"reference": lead.reference}
        for channel in _channels_for(lead, person):
            try:
                if channel == ContactMethod.EMAIL:
                    text = render_to_string("notifications/confirmation.email.txt", context)
                    EmailMessage("We received your message", text, to=[person["email"]]).send()
                else:
                    sms = render_to_string("notifications/confirmation.sms.txt", context).strip()
                    sms_backend().send(to=person["phone"], body=sms)
            except (DeliveryError, OSError):
                continue  # a courtesy message: try the next channel, never retry at the person
            lead.confirmation_sent_at = timezone.now()
            lead.save(update_fields=["confirmation_sent_at"])
            return channel
    return None
