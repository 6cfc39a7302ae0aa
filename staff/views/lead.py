"""One lead: who they are (for staff allowed to read it, each view logged and the log shown), its history,
contact attempts, and the actions its status allows. Every action goes through leads.services."""

from typing import Any

import phonenumbers
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads import selectors, services
from leads.exceptions import InvalidStatusTransition, LeadChangedMeanwhile
from leads.models import Lead
from staff import presenters
from staff.access import staff_page
from staff.forms import ContactAttemptForm, ReassignForm, StatusForm

VIEW_ANY = ("leads.view_lead", selectors.PARTNER_REFERRALS_PERMISSION)
# The personal fields in the order staff read them, with their labels.
PERSONAL_FIELDS = [
    ("first_name", "First name"), ("last_name", "Last name"), ("phone", "Phone"), ("email", "Email"),
    ("best_time_to_contact", "Best time to contact"), ("date_of_birth", "Date of birth"),
    ("insurance_provider", "Insurance"), ("message", "Their message"), ("referrer", "Referred by"),
    ("reason_for_referral", "Reason for referral"), ("current_level_of_care", "Current level of care"),
]  # fmt: skip


def _lead_for(request: HttpRequest, reference: str) -> Lead:
    leads = selectors.leads_visible_to(request.user).select_related("partner", "assigned_to", "acknowledged_by")
    return get_object_or_404(leads, reference=reference)


def _phone(e164: str) -> dict[str, str]:
    try:
        national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = e164
    return {"tel": e164, "national": national}


def _personal_rows(details: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, label in PERSONAL_FIELDS:
        value = details.get(name)
        if not value:
            continue
        if name == "phone":
            rows.append({"label": label, "phone": _phone(value)})
        elif isinstance(value, dict):
            rows.append({"label": label, "text": "; ".join(f"{key}: {item}" for key, item in value.items() if item)})
        else:
            rows.append({"label": label, "text": str(value), "long": name in {"message", "reason_for_referral"}})
    return rows


def _page(request: HttpRequest, lead: Lead, *, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    personal = None
    if user.has_perm(selectors.PERSONAL_PERMISSION):
        personal = _personal_rows(selectors.lead_personal_data(lead=lead, viewed_by=user))
    allowed = services.allowed_next_statuses(lead.status)
    can_work = user.has_perm("leads.change_lead")
    context = {
        "lead": lead,
        "section": "inbox",
        "personal": personal,
        "clock": presenters.clock(lead, now=timezone.now()),
        "triage": presenters.triage_words(lead.triage_flags),
        "series": selectors.lead_series(lead=lead),
        "history": selectors.lead_status_history(lead=lead, viewer=user),
        "attempts": selectors.lead_contact_attempts(lead=lead, viewer=user),
        "access_log": selectors.lead_access_log(lead=lead),
        "can_work": can_work,
        "status_form": forms.get("status") or StatusForm(allowed=allowed, initial={"expected_status": lead.status}),
        "has_next_status": bool(allowed),
        "attempt_form": forms.get("attempt") or ContactAttemptForm(),
        "reassign_form": (forms.get("reassign") or ReassignForm(
            staff=selectors.staff_who_work_leads(), initial={"expected_assignee": lead.assigned_to_id}
        )) if user.has_perm("leads.reassign_lead") else None,
    }  # fmt: skip
    return render(request, "staff/lead.html", context, status=status)


@staff_page(*VIEW_ANY, any_of=True)
def lead_page(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, _lead_for(request, reference))


def _back(lead: Lead) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("staff:lead", args=[lead.reference]))


@require_POST
@staff_page("leads.change_lead")
def take(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _lead_for(request, reference)
    try:
        services.lead_take(lead=lead, by=request.user)
    except LeadChangedMeanwhile as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{lead.reference} is yours: escalation has stopped.")
    return _back(lead)


@require_POST
@staff_page("leads.change_lead")
def change_status(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _lead_for(request, reference)
    form = StatusForm(request.POST, allowed=services.allowed_next_statuses(lead.status))
    if not form.is_valid():
        if form.data.get("expected_status") not in (None, lead.status):
            # The choice offered was for a status the lead has left: say what happened instead of "not a choice".
            messages.error(request, "Someone else changed this lead meanwhile; nothing was changed. Here it is now.")
            return _back(lead)
        return _page(request, lead, forms={"status": form}, status=400)
    try:
        services.lead_change_status(
            lead=lead,
            to_status=form.cleaned_data["to_status"],
            changed_by=request.user,
            reason_category=form.cleaned_data["reason_category"],
            note=form.cleaned_data["note"],
            expected_status=form.cleaned_data["expected_status"],
        )
    except (LeadChangedMeanwhile, InvalidStatusTransition) as exc:
        messages.error(request, exc.detail)
    else:
        lead.refresh_from_db(fields=["status"])
        messages.success(request, f"{lead.reference} is now {lead.get_status_display().lower()}.")
    return _back(lead)


@require_POST
@staff_page("leads.change_lead")
def log_attempt(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _lead_for(request, reference)
    form = ContactAttemptForm(request.POST)
    if not form.is_valid():
        return _page(request, lead, forms={"attempt": form}, status=400)
    services.contact_attempt_record(lead=lead, by=request.user, **form.cleaned_data)
    messages.success(request, "Contact attempt logged.")
    return _back(lead)


@require_POST
@staff_page("leads.change_lead", "leads.reassign_lead")
def reassign(request: HttpRequest, reference: str) -> HttpResponse:
    lead = _lead_for(request, reference)
    form = ReassignForm(request.POST, staff=selectors.staff_who_work_leads())
    if not form.is_valid():
        return _page(request, lead, forms={"reassign": form}, status=400)
    try:
        services.lead_reassign(
            lead=lead, to=form.cleaned_data["to"], by=request.user,
            expected_assignee_id=form.cleaned_data["expected_assignee"],
        )  # fmt: skip
    except LeadChangedMeanwhile as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{lead.reference} is now with {presenters.person_name(form.cleaned_data['to'])}.")
    return _back(lead)
