"""A lead received by phone or fax, entered by staff: the API's validation, then the same service as the API
(triage, encryption, duplicate linking, the outbox event and so the notifications), source "phone"."""

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from api.serializers.leads import LeadRequestSerializer, ReferralRequestSerializer
from content.selectors import program_titles
from leads import services
from leads.exceptions import IdempotencyKeyInFlight, IdempotencyKeyReused
from leads.models import LeadSource
from staff.access import staff_page
from staff.forms import PhonedInLeadForm


@staff_page("leads.add_lead")
def new_lead(request: HttpRequest) -> HttpResponse:
    programs = program_titles()
    if request.method != "POST":
        form = PhonedInLeadForm(programs=programs, initial={"submission_key": secrets.token_urlsafe(16)})
        return render(request, "staff/new_lead.html", {"form": form, "section": "new"})
    form = PhonedInLeadForm(request.POST, programs=programs)
    form_valid = form.is_valid()
    # The API's checks run even when the form's own refused something (a first name missing), on what the form
    # could read: every problem is shown at once, not the next one only after sending again.
    kind = form.cleaned_data.get("lead_kind")
    if kind is None:  # which serializer applies is unknown: only the form's errors can be said
        return render(request, "staff/new_lead.html", {"form": form, "section": "new"}, status=400)
    body = form.api_body()
    serializer = (ReferralRequestSerializer if kind == "partner_referral" else LeadRequestSerializer)(data=body)
    if serializer.is_valid() and form_valid:
        data, fields = serializer.validated_data, {"source": LeadSource.PHONE, "entered_by": request.user}
        submission = (
            services.referral_submission(data, partner=form.cleaned_data["partner"], **fields)
            if kind == "partner_referral"
            else services.contact_request_submission(data, **fields)
        )
        try:
            reference = services.form_lead_submit(
                submission=submission,
                client=f"staff:{request.user.pk}",
                submission_key=form.cleaned_data["submission_key"],
                body=body,
            )
        except (IdempotencyKeyInFlight, IdempotencyKeyReused):
            messages.error(request, "This form was already sent with other details: start a new one.")
            return HttpResponseRedirect(reverse("staff:new-lead"))
        messages.success(request, f"{reference} entered; staff are being notified as for any new lead.")
        return HttpResponseRedirect(reverse("staff:lead", args=[reference]))
    if serializer.errors:
        form.add_api_errors(serializer.errors)
    return render(request, "staff/new_lead.html", {"form": form, "section": "new"}, status=400)
