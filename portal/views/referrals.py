"""Refer someone, and follow the organisation's referrals: the API's validation and service, the API's view of
a referral (api.views.leads.referral_body) for the partner's own referrals only; another's answers 404."""

import secrets
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from api.serializers.leads import ReferralRequestSerializer
from api.views.leads import referral_body
from content.selectors import program_titles
from leads import services
from leads.exceptions import IdempotencyKeyInFlight, IdempotencyKeyReused
from leads.models import Lead
from leads.selectors import partner_referrals
from partners.models import PartnerUser
from portal.access import portal_page
from portal.forms import ReferralForm

PAGE_SIZE = 25


def _fresh_form(user: PartnerUser) -> ReferralForm:
    initial = {"submission_key": secrets.token_urlsafe(16), "state": "AZ", "referrer.name": user.name,
               "referrer.email": user.email}  # fmt: skip
    return ReferralForm(programs=program_titles, initial=initial)


@portal_page()
def refer(request: HttpRequest) -> HttpResponse:
    user: PartnerUser = request.partner_user  # type: ignore[attr-defined]
    if request.method != "POST":
        return render(request, "portal/refer.html", {"form": _fresh_form(user), "section": "refer"})
    # The form bound to the data is built only to show what is wrong (ReferralForm.cleaned_without_binding).
    cleaned = ReferralForm.cleaned_without_binding(request.POST)
    if cleaned is None:
        return _refused(request)
    body = ReferralForm.api_body_of(cleaned, organization=user.partner.name)
    serializer = ReferralRequestSerializer(data=body)
    if not serializer.is_valid():
        return _refused(request, api_errors=serializer.errors)
    submission = services.referral_submission(serializer.validated_data, partner=user.partner, sent_by=user)
    try:
        reference = services.form_lead_submit(
            submission=submission, client=f"portal:{user.pk}", submission_key=cleaned["submission_key"], body=body
        )
    except (IdempotencyKeyInFlight, IdempotencyKeyReused):
        return _refused(request, problem=_already_sent())
    return HttpResponseRedirect(reverse("portal:refer-done", args=[reference]))


def _refused(request: HttpRequest, *, api_errors: dict[str, Any] | None = None, problem: str = "") -> HttpResponse:
    """The form again, with the form's own errors, else the API's beside their fields, else the service's."""
    form = ReferralForm(request.POST, programs=program_titles)
    if form.is_valid():
        if api_errors:
            form.add_api_errors(api_errors)
        if problem:
            form.add_error(None, problem)
    return render(request, "portal/refer.html", {"form": form, "section": "refer"}, status=400)


def _already_sent() -> str:
    return gettext("This form was already sent with other details: open “Refer someone” again for a new one.")


def _own_referral(user: PartnerUser, reference: str) -> Lead:
    # Through the partner's own referrals: another partner's reference is simply not found.
    lead = partner_referrals(partner=user.partner).filter(reference=reference.upper()).first()
    if lead is None:
        raise Http404
    return lead


@portal_page()
def refer_done(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _own_referral(request.partner_user, reference)  # type: ignore[attr-defined]
    return render(request, "portal/refer_done.html", {"reference": lead.reference, "section": "refer"})


@portal_page()
def referrals(request: HttpRequest) -> HttpResponse:
    user: PartnerUser = request.partner_user  # type: ignore[attr-defined]
    page = Paginator(partner_referrals(partner=user.partner), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [referral_body(lead, list(lead.status_changes.all())) for lead in page]
    return render(request, "portal/referrals.html", {"page": page, "rows": rows, "section": "referrals"})


@portal_page()
def referral(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _own_referral(request.partner_user, reference)  # type: ignore[attr-defined]
    row = referral_body(lead, list(lead.status_changes.all()))
    return render(request, "portal/referral.html", {"row": row, "section": "referrals"})
