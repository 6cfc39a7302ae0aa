"""Reads of partners' people, with what their callers need already joined."""

from django.db.models import QuerySet

from partners.models import Partner, PartnerUser


def partner_user_for_session(*, user_id: int, session_version: int) -> PartnerUser | None:
    """The person a portal session names, if it still holds: active, of an active partner, and not ended since
    (removal or a new sign-in method raise `session_version`)."""
    return (
        PartnerUser.objects.select_related("partner")
        .filter(pk=user_id, session_version=session_version, is_active=True, partner__is_active=True)
        .first()
    )


def partner_people(*, partner: Partner) -> QuerySet[PartnerUser]:
    """A partner's people: those in the portal first, then those removed (kept for the record)."""
    return PartnerUser.objects.filter(partner=partner).order_by("-is_active", "email")
