"""The staff pages' forms: words in labels and errors, choices limited to what applies."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from leads.models import ContactAttempt, LeadSource, LeadStatus, NotAdmittedReason
from leads.selectors import InboxFilters
from partners.models import Partner


class StaffForm(forms.Form):
    """Labels without Django's trailing colon: they read as plain words, to people and to screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InboxFilterForm(StaffForm):
    search = forms.CharField(
        required=False, max_length=254, label="Find a lead",
        help_text="A reference (L-7F3K9Q), a phone number or an email address.",
    )  # fmt: skip
    mine = forms.BooleanField(required=False, label="Mine")
    unassigned = forms.BooleanField(required=False, label="Unassigned")
    urgent = forms.BooleanField(required=False, label="Urgent")
    status = forms.ChoiceField(required=False, choices=[("", "Any open status"), *LeadStatus.choices])
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *LeadSource.choices])
    program = forms.ChoiceField(required=False, choices=[("", "Any program")])
    partner = forms.ModelChoiceField(required=False, queryset=Partner.objects.none(), empty_label="Any partner")

    def __init__(self, *args: Any, programs: list[tuple[str, str]], partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ChoiceField)
        program_field.choices = [("", "Any program"), *programs, ("unsure", "Not sure")]
        partner_field = self.fields["partner"]
        assert isinstance(partner_field, forms.ModelChoiceField)
        partner_field.queryset = partners

    def filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_valid() else {}
        partner = data.get("partner")
        return InboxFilters(
            mine=bool(data.get("mine")),
            unassigned=bool(data.get("unassigned")),
            urgent=bool(data.get("urgent")),
            program=data.get("program", ""),
            partner_id=partner.pk if partner else None,
            source=data.get("source", ""),
            status=data.get("status", ""),
            search=data.get("search", ""),
        )


class StatusForm(StaffForm):
    to_status = forms.ChoiceField(label="Move it to")
    reason_category = forms.ChoiceField(
        required=False, label="Reason (needed for “not admitted”)", choices=[("", "—"), *NotAdmittedReason.choices]
    )
    note = forms.CharField(
        required=False, max_length=2000, label="Note (encrypted; staff with access to personal data can read it)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    # The status the person saw: if the lead moved meanwhile, nothing changes and they are told.
    expected_status = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        # Nothing chosen until the person chooses: a status is never moved by a default left in place.
        field.choices = [("", "Choose the new status"), *((status, LeadStatus(status).label) for status in allowed)]
        field.error_messages["required"] = "Choose the status to move it to."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == LeadStatus.NOT_ADMITTED and not data.get("reason_category"):
            self.add_error("reason_category", "Say why they were not admitted.")
        return data


class ContactAttemptForm(StaffForm):
    channel = forms.ChoiceField(choices=ContactAttempt.Channel.choices, label="How")
    # Nothing chosen until the person chooses: an attempt is never logged as "reached" by a default left in place.
    outcome = forms.ChoiceField(
        choices=[("", "Choose what happened"), *ContactAttempt.Outcome.choices], label="What happened",
        error_messages={"required": "Choose what happened."},
    )  # fmt: skip
    note = forms.CharField(
        required=False, max_length=2000, label="Note (encrypted)", widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class ReassignForm(StaffForm):
    to = StaffMemberField(queryset=get_user_model().objects.none(), label="Give it to")
    expected_assignee = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = staff


class PhonedInLeadForm(StaffForm):
    """A lead received by phone or fax. Field names are the API's; the API's serializers validate them (the
    same rules and messages), so this form only collects text and says which kind of lead it is."""

    KINDS = [
        ("self", "Contact request: the person themselves"),
        ("family_or_friend", "Contact request: a family member or friend"),
        ("partner_referral", "Referral from a partner"),
    ]
    lead_kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, label="Who called", initial="self")
    first_name = forms.CharField(
        max_length=100, label="First name", error_messages={"required": "Enter the person's first name."}
    )
    last_name = forms.CharField(max_length=100, required=False, label="Last name")
    phone = forms.CharField(max_length=32, required=False, label="Phone")
    email = forms.CharField(max_length=254, required=False, label="Email")
    preferred_contact = forms.ChoiceField(
        required=False, label="Prefers to be reached by", choices=[("", "Not said"), ("phone", "Phone call"),
                                                                   ("sms", "Text message"), ("email", "Email")],
    )  # fmt: skip
    best_time_to_contact = forms.CharField(max_length=100, required=False, label="Best time to contact")
    program_interest = forms.ChoiceField(required=False, label="Program", choices=[("", "Not said")])
    state = forms.CharField(max_length=2, initial="AZ", label="State (two letters)")
    insurance_provider = forms.CharField(max_length=100, required=False, label="Insurance")
    message = forms.CharField(
        max_length=5000, required=False, label="What they said", widget=forms.Textarea(attrs={"rows": 4})
    )
    consent_contact = forms.BooleanField(required=False, label="They agreed to be contacted about this request")
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(is_active=True), required=False, label="Referring partner"
    )
    referrer_name = forms.CharField(max_length=200, required=False, label="Name of the referring clinician")
    referrer_role = forms.CharField(max_length=100, required=False, label="Their role")
    referrer_phone = forms.CharField(max_length=32, required=False, label="Their phone")
    referrer_email = forms.CharField(max_length=254, required=False, label="Their email")
    reason_for_referral = forms.CharField(
        max_length=5000, required=False, label="Reason for referral", widget=forms.Textarea(attrs={"rows": 3})
    )
    current_level_of_care = forms.CharField(max_length=200, required=False, label="Current level of care")
    urgency = forms.ChoiceField(choices=[("routine", "Routine"), ("urgent", "Urgent")], initial="routine")
    client_consent = forms.BooleanField(required=False, label="The partner says the client agreed to the referral")
    # One key per showing of the form: a double click or a resent form creates the lead once.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, programs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program_interest"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Not said"), *programs, ("unsure", "Not sure")]

    PERSON_FIELDS = ("first_name", "last_name", "phone", "email", "preferred_contact", "best_time_to_contact",
                     "program_interest", "state", "insurance_provider", "message", "consent_contact")  # fmt: skip
    REFERRAL_FIELDS = ("partner", "referrer_name", "referrer_role", "referrer_phone", "referrer_email",
                       "reason_for_referral", "current_level_of_care", "urgency", "client_consent")  # fmt: skip

    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PERSON_FIELDS]

    def referral_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.REFERRAL_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lead_kind") == "partner_referral" and not data.get("partner"):
            self.add_error("partner", "Choose the partner the referral comes from.")
        return data

    def api_body(self) -> dict[str, Any]:
        """What the API would have received, for its serializer: from the fields the form could read (all of them
        once it is valid; before, the API's checks still run on the others)."""
        data = self.cleaned_data
        person = {name: data[name] for name in (
            "first_name", "last_name", "phone", "email", "best_time_to_contact", "program_interest", "state",
            "insurance_provider", "message") if data.get(name)}  # fmt: skip
        if data.get("preferred_contact"):
            person["preferred_contact"] = data["preferred_contact"]
        if data.get("lead_kind") != "partner_referral":
            return {**person, "relationship": data.get("lead_kind"),
                    "consent": {"contact": bool(data.get("consent_contact"))}}  # fmt: skip
        referrer = {name: data.get(f"referrer_{name}", "") for name in ("name", "role", "phone", "email")}
        if data.get("partner"):
            referrer["organization"] = data["partner"].name
        return {**person, "referrer": referrer, "reason_for_referral": data.get("reason_for_referral", ""),
                "current_level_of_care": data.get("current_level_of_care", ""), "urgency": data.get("urgency"),
                "client_consent": bool(data.get("client_consent"))}  # fmt: skip

    def add_api_errors(self, errors: dict[str, Any]) -> None:
        """The serializer's errors beside the fields they are about (`consent.contact` → consent_contact), but for
        the fields the form already refused (its message says what to do there; the API's would repeat it)."""
        refused = set(self.errors)
        for name, messages in errors.items():
            if isinstance(messages, dict):
                for inner, inner_messages in messages.items():
                    self._add_api_error(f"{name}_{inner}", inner_messages, refused)
            else:
                self._add_api_error(name, messages, refused)

    def _add_api_error(self, name: str, messages: list[Any], refused: set[str]) -> None:
        field = name if name in self.fields else None
        if field in refused or (name == "referrer_organization" and "partner" in refused):
            return
        for message in messages:
            self.add_error(field, str(message))
