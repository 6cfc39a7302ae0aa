"""The staff side: leads with filters, decrypted details for staff allowed to see them (each view logged),
status changes with a note (partners and their keys: partners/admin.py)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from leads import selectors, services
from leads.exceptions import InvalidStatusTransition
from leads.models import Lead, LeadStatus, LeadStatusChange, NotAdmittedReason

PERSONAL_PERMISSION = "leads.view_personal_data"

# Filters for every member of staff who may see the lead list: the work queue, nothing about the person.
# Urgency stays: it is how staff order their work, and the list shows it to them anyway.
WORK_FILTERS: list[Any] = ["status", "urgency", "kind", "partner", "is_spam", "received_at"]
# Filters that describe the person, only for staff with the personal-data permission: filtering on them narrows
# the list down to someone as surely as reading the lead would (the one out-of-state lead from Utah this week).
# - where they live: out_of_state, state
# - who they are: age_range
# - how they want to be reached: preferred_contact
# - where they came from: utm_source, utm_medium, utm_campaign
# Never a filter, for anyone (their lookups are refused by URL too): the sealed data and its hashes, triage_flags
# (crisis categories of the person's own words), utm_term and utm_content (search words, ad texts),
# landing_page and referrer_url (free-form URLs), consent flags, program_interest, assigned_to, repeat_of.
PERSONAL_FILTERS: list[Any] = [
    "out_of_state", "state", "age_range", "preferred_contact", "utm_source", "utm_medium", "utm_campaign",
]  # fmt: skip
# What the filters above add to their field in the URL (`status__exact`, `partner__id__exact`,
# `received_at__gte`, `state__isnull`); any other lookup (`state__icontains`, `partner__referrals__state`) is a
# search, not a filter, and is refused.
_FILTER_LOOKUPS = {"exact", "isnull", "gte", "lt", "id"}


def _rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for name, value in details.items():
        if isinstance(value, dict):
            value = "; ".join(f"{key}: {item}" for key, item in value.items())
        rows.append((name.replace("_", " "), str(value)))
    return rows


class StatusChangeInline(admin.TabularInline):
    model = LeadStatusChange
    fields = ("changed_at", "from_status", "to_status", "reason_category", "changed_by", "has_note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description="note")
    def has_note(self, change: LeadStatusChange) -> bool:
        return bool(change.sealed_note)


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label="New status")
    reason_category = forms.ChoiceField(choices=[("", "—"), *NotAdmittedReason.choices], required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the moves the flow allows from the lead's status, in words.
        self.fields["to_status"].choices = [(status, LeadStatus(status).label) for status in allowed]  # type: ignore[attr-defined]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "reference", "received_at", "kind", "partner", "program_interest", "urgency", "status", "age",
        "acknowledged_at", "assigned_to", "out_of_state", "is_spam",
    ]  # fmt: skip
    list_filter = WORK_FILTERS  # and PERSONAL_FILTERS for some: see get_list_filter
    # Search by reference only: personal fields are sealed, and a search over anything else would let staff
    # without the permission probe what they may not read.
    search_fields = ["reference"]
    list_select_related = ["partner", "assigned_to"]
    ordering = ["-received_at"]
    inlines = [StatusChangeInline]
    actions = ["acknowledge"]
    readonly_fields = [
        "reference", "kind", "partner", "status", "status_reason", "urgency", "triage_flags", "program_interest",
        "state", "out_of_state", "preferred_contact", "age_range", "consent_contact",
        "consent_sms", "sms_disclosure_version", "client_consent_attested", "repeat_history", "is_spam",
        "received_at", "acknowledged_at", "acknowledged_by", "time_to_acknowledge", "escalation_level", "updated_at",
        "anonymised_at", "attribution",
    ]  # fmt: skip
    fields = ["assigned_to", *readonly_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # leads arrive through the API only

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        if request.user.has_perm(PERSONAL_PERMISSION):
            return [*WORK_FILTERS, *PERSONAL_FILTERS]
        return list(WORK_FILTERS)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """Only the lookups of the filters this user is shown.

        Django's admin accepts any lookup on the model's own fields from the URL (`?landing_page__icontains=x`,
        `?state=CA`) even when no filter offers it: a search through what the user may not read. A refused
        lookup raises DisallowedModelAdminLookup, which Django answers with 400.
        """
        filters = self.get_list_filter(request) if request is not None else WORK_FILTERS
        field_name, _, rest = lookup.partition("__")
        if field_name not in filters or (rest and not set(rest.split("__")) <= _FILTER_LOOKUPS):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.action(description="Acknowledge selected leads (I am taking them on)", permissions=["change"])
    def acknowledge(self, request: HttpRequest, queryset: Any) -> None:
        done = sum(services.lead_acknowledge(lead=lead, by=request.user) for lead in queryset)
        self.message_user(request, f"{done} lead(s) acknowledged; escalation stops for them.", messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retention anonymises; nothing is deleted by hand

    @admin.display(description="age")
    def age(self, lead: Lead) -> str:
        minutes = int((timezone.now() - lead.received_at).total_seconds() // 60)
        return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h" if minutes < 2880 else f"{minutes // 1440} d"

    @admin.display(description="time to acknowledge")
    def time_to_acknowledge(self, lead: Lead) -> str:
        if lead.acknowledged_at is None:
            return "not yet"
        return f"{int((lead.acknowledged_at - lead.received_at).total_seconds() // 60)} min"

    @admin.display(description="attribution")
    def attribution(self, lead: Lead) -> str:
        parts = [
            f"{name}={getattr(lead, name)}"
            for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
            if getattr(lead, name)
        ]
        return ", ".join(parts) or "—"  # fmt: skip

    @admin.display(description="Same person within the repeat window")
    def repeat_history(self, lead: Lead) -> SafeString:
        series = selectors.lead_series(lead=lead)
        if len(series) <= 1:
            return format_html("{}", "First contact")
        return format_html_join(
            ", ", '<a href="{}">{}</a> ({})',
            ((reverse("admin:leads_lead_change", args=[other.pk]), other.reference,
              timezone.localtime(other.received_at).strftime("%Y-%m-%d %H:%M")) for other in series),
        )  # fmt: skip

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra = {**(extra_context or {}), "status_url": reverse("admin:leads_lead_status", args=[object_id])}
        lead = self.get_object(request, object_id)
        if lead is not None and request.method == "GET":
            if request.user.has_perm(PERSONAL_PERMISSION):
                extra["personal_data"] = _rows(selectors.lead_personal_data(lead=lead, viewed_by=request.user))
            else:
                extra["personal_data_hidden"] = True
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list:
        urls = super().get_urls()
        custom = [path("<int:pk>/status/", self.admin_site.admin_view(self.status_view), name="leads_lead_status")]
        return custom + urls

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Change a lead's status with an optional note, through the service (history and event recorded)."""
        lead = get_object_or_404(Lead, pk=pk)
        if not self.has_change_permission(request, lead):
            return HttpResponse(status=403)
        form = StatusChangeForm(request.POST or None, allowed=services.allowed_next_statuses(lead.status))
        if request.method == "POST" and form.is_valid():
            try:
                services.lead_change_status(
                    lead=lead,
                    to_status=form.cleaned_data["to_status"],
                    changed_by=request.user,
                    reason_category=form.cleaned_data["reason_category"],
                    note=form.cleaned_data["note"],
                )
            except InvalidStatusTransition as exc:
                form.add_error("to_status", exc.detail)
            else:
                self.message_user(
                    request, f"{lead.reference} is now {form.cleaned_data['to_status']}.", messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[pk]))
        context = {**self.admin_site.each_context(request), "lead": lead, "form": form, "opts": self.model._meta,
                   "title": f"Change the status of {lead.reference}"}  # fmt: skip
        return TemplateResponse(request, "admin/leads/lead/status.html", context)
