"""The daily digest to the admissions lead: counts, and the references still unacknowledged. Nothing else."""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from leads.models import Lead
from notifications.models import Recipient


def digest_send(*, now: datetime | None = None) -> int:
    """Email yesterday's figures to every active member of DIGEST_GROUP; returns how many were sent."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    leads = list(
        Lead.objects.filter(received_at__gte=since, is_spam=False).select_related("partner")
        .only("kind", "program_interest", "partner__name", "reference", "acknowledged_at")
    )  # fmt: skip
    unacknowledged = Lead.objects.filter(acknowledged_at__isnull=True, is_spam=False, status="received").order_by(
        "received_at"
    )
    context = {
        "since": timezone.localtime(since),
        "total": len(leads),
        "by_source": sorted(Counter(lead.partner.name if lead.partner else "Website" for lead in leads).items()),
        "by_program": sorted(Counter(lead.program_interest or "unspecified" for lead in leads).items()),
        "unacknowledged": list(unacknowledged.values_list("reference", flat=True)[:200]),
    }
    body = render_to_string("notifications/digest.txt", context)
    recipients = Recipient.objects.filter(is_active=True, groups__slug=settings.DIGEST_GROUP).exclude(email="")
    addresses = sorted({recipient.email for recipient in recipients})
    if addresses:
        EmailMessage(f"Core Recovery leads: {len(leads)} in the last 24 hours", body, to=addresses).send()
    return len(addresses)
