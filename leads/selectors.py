"""Reads of leads for staff. Reading personal data is logged, as the privacy rules require."""

from typing import Any

from django.db.models import Q

from leads.crypto import unseal
from leads.models import Lead, LeadAccessLog


def lead_series(*, lead: Lead) -> list[Lead]:
    """The lead and every repeat contact of the same person, oldest first."""
    root_id = lead.repeat_of_id or lead.id
    # One OR rather than union().order_by(), which SQLite (`make run`) refuses: the lead page answered 500 there.
    return list(Lead.objects.filter(Q(id=root_id) | Q(repeat_of_id=root_id)).order_by("received_at"))


def lead_personal_data(*, lead: Lead, viewed_by: Any) -> dict[str, Any]:
    """The decrypted personal fields; records who looked, and when."""
    LeadAccessLog.objects.create(lead=lead, user=viewed_by, action="view")
    return unseal(lead.sealed)
