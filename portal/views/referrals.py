"""Refer someone, and follow the organisation's referrals: the API's validation and service, the API's view of
a referral (api.views.leads.referral_body) for the partner's own referrals only; another's answers 404."""

import secrets

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
    form = ReferralForm(request.POST, programs=program_titles)
    if form.is_valid():
        body = form.api_body(organization=user.partner.name)
        serializer = ReferralRequestSerializer(data=body)
        if serializer.is_valid():
            submission = services.referral_submission(serializer.validated_data, partner=user.partner, sent_by=user)
            try:
                reference = services.form_lead_submit(
                    submission=submission,
                    client=f"portal:{user.pk}",
                    submission_key=form.cleaned_data["submission_key"],
                    body=body,
                )
            except (IdempotencyKeyInFlight, IdempotencyKeyReused):
                form.add_error(None, _already_sent())
            else:
                return HttpResponseRedirect(reverse("portal:refer-done", args=[reference]))
        else:
            form.add_api_errors(serializer.errors)
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
