"""The portal's forms: labels and errors in words (English and Spanish), fields named as the referrals API
names them. They collect text only: the API's serializer validates a referral (one validator, its messages
beside the fields), and partners.services the rest."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from leads.models import AgeRange, ContactMethod, Urgency
from partners.models import PartnerUser

TOTP_KEY_SALT = "portal.totp-key"


class PortalForm(forms.Form):
    """Labels without a trailing colon; every field with an error says so to assistive technology."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            if name in self.errors:
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
            else:
                attrs.pop("aria-invalid", None)
                attrs.pop("aria-describedby", None)

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id or "", message) for every error, in the order of the fields: the list at the top."""
        items = [("", str(message)) for message in self.non_field_errors()]
        for name in self.fields:
            items += [(self[name].auto_id, str(message)) for message in self.errors.get(name, [])]
        return items


def _text(
    label: Any, *, textarea: bool = False, help_text: Any = "", input_type: str = "text", **attrs: Any
) -> forms.CharField:
    # No max_length or required here: the API's serializer says what is too long or missing, in its words.
    widget: forms.Widget
    if textarea:
        widget = forms.Textarea(attrs={"rows": 4, **attrs})
    else:
        widget = forms.TextInput(attrs=attrs)
        widget.input_type = input_type
    return forms.CharField(required=False, label=label, widget=widget, help_text=help_text, strip=True)


class ProgramField(forms.ChoiceField):
    """A program picked from the live programs; the API's serializer checks the slug (one validator)."""

    def valid_value(self, value: Any) -> bool:
        return True


def _page_name(name: str) -> str:
    """A field's name in the page: the referrer's fields are the API's `referrer.<name>`."""
    return f"referrer.{name.removeprefix('referrer_')}" if name.startswith("referrer_") else name


class ReferralForm(PortalForm):
    """A referral, as the API takes it (`POST /api/v1/referrals/`): the same names (`referrer.name` for the
    nested object), so the serializer's errors land beside the field they are about."""

    first_name = _text(_("First name"), autocomplete="off")
    last_name = _text(_("Last name"), autocomplete="off")
    phone = _text(_("Phone"), help_text=_("A US number, e.g. 602-555-0123."), input_type="tel", autocomplete="off")
    email = _text(_("Email"), input_type="email", autocomplete="off")
    preferred_contact = forms.ChoiceField(
        required=False, label=_("Prefers to be reached by"),
        choices=[("", _("Not said")), (ContactMethod.PHONE, _("Phone call")), (ContactMethod.SMS, _("Text message")),
                 (ContactMethod.EMAIL, _("Email"))],
    )  # fmt: skip
    best_time_to_contact = _text(_("Best time to contact"), help_text=_("For example: weekdays after 5 pm."))
    age_range = forms.ChoiceField(
        required=False,
        label=_("Age range"),
        choices=[
            ("", _("Not said")),
            (AgeRange.UNDER_18, _("Under 18")),
            (AgeRange.AGE_18_25, _("18 to 25")),
            (AgeRange.AGE_26_35, _("26 to 35")),
            (AgeRange.AGE_36_50, _("36 to 50")),
            (AgeRange.AGE_51_64, _("51 to 64")),
            (AgeRange.AGE_65_PLUS, _("65 or older")),
        ],
    )
    program_interest = ProgramField(required=False, label=_("Program"))
    state = _text(_("State (two letters)"), maxlength="2", autocomplete="off")
    insurance_provider = _text(_("Insurance"))
    reason_for_referral = _text(_("Reason for referral"), textarea=True)
    current_level_of_care = _text(_("Current level of care"), help_text=_("For example: inpatient, outpatient."))
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[(Urgency.ROUTINE, _("Routine")), (Urgency.URGENT, _("Urgent"))],
        initial=Urgency.ROUTINE, required=False,
    )  # fmt: skip
    message = _text(_("Anything else the admissions team should know"), textarea=True)
    # The referring clinician: prefilled with the signed-in person, changeable (a colleague's referral).
    referrer_name = _text(_("Your name"))
    referrer_role = _text(_("Your role"), help_text=_("For example: discharge planner, school counsellor."))
    referrer_phone = _text(_("Your phone"), input_type="tel")
    referrer_email = _text(_("Your email"), input_type="email")
    client_consent = forms.BooleanField(
        required=False, label=_("The person agreed to be referred to Core Recovery and to be contacted about it.")
    )
    # One key per showing of the form: a double click or a resent form creates the referral once.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    # The API's nested `referrer` object, as `referrer.<name>` in the page.
    REFERRER = ("name", "role", "phone", "email")
    PERSON = ("first_name", "last_name", "phone", "email", "preferred_contact", "best_time_to_contact",
              "age_range", "state", "insurance_provider")  # fmt: skip
    REFERRAL = ("program_interest", "reason_for_referral", "current_level_of_care", "urgency", "message")

    def __init__(self, *args: Any, programs: Callable[[], list[tuple[str, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for part in self.REFERRER:
            # Renamed to the API's path, so the page and the errors use `referrer.phone` as the API does.
            self.fields[_page_name(f"referrer_{part}")] = self.fields.pop(f"referrer_{part}")
        field = self.fields["program_interest"]
        assert isinstance(field, forms.ChoiceField)
        # Read only when the page is drawn: a referral that is sent and accepted never lists the programs.
        field.choices = lambda: [("", _("Not said")), *programs(), ("unsure", _("Not sure"))]

    @classmethod
    def cleaned_without_binding(cls, data: QueryDict) -> dict[str, Any] | None:
        """What `cleaned_data` would hold for `data`, by the same fields' `clean()`, or None if one refuses.

        A form bound to the data deep-copies its twenty fields and binds each (about a twentieth of a portal
        submission's CPU, bench/leads.py); a referral that is sent and accepted needs only the cleaned text. The
        class's fields are only read here (`clean()` changes nothing), so sharing them between requests is safe;
        a refusal is shown by the bound form, as ever."""
        cleaned = {}
        for name, field in cls.base_fields.items():
            page_name = _page_name(name)
            try:
                cleaned[page_name] = field.clean(field.widget.value_from_datadict(data, {}, page_name))
            except forms.ValidationError:
                return None
        return cleaned

    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PERSON]

    def referral_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.REFERRAL]

    def referrer_fields(self) -> list[forms.BoundField]:
        return [self[f"referrer.{part}"] for part in self.REFERRER]

    @classmethod
    def api_body_of(cls, data: dict[str, Any], *, organization: str) -> dict[str, Any]:
        """What the API would have received, for its serializer: empty optional fields left out, as a client
        leaves them out. The organisation is the signed-in person's partner, never typed."""
        names = ("first_name", "last_name", "phone", "email", "preferred_contact", "best_time_to_contact",
                 "age_range", "program_interest", "insurance_provider", "current_level_of_care", "message")  # fmt: skip
        body: dict[str, Any] = {name: data[name] for name in names if data.get(name)}
        referrer = {part: data[f"referrer.{part}"] for part in cls.REFERRER if data.get(f"referrer.{part}")}
        body["referrer"] = {**referrer, "organization": organization}
        body["first_name"] = data.get("first_name", "")
        body["reason_for_referral"] = data.get("reason_for_referral", "")
        body["state"] = data.get("state") or "AZ"
        body["urgency"] = data.get("urgency") or Urgency.ROUTINE
        body["client_consent"] = bool(data.get("client_consent"))
        return body

    def add_api_errors(self, errors: dict[str, Any]) -> None:
        """The serializer's errors beside the fields they are about (`referrer.phone` stays `referrer.phone`)."""
        for name, messages in errors.items():
            if isinstance(messages, dict):
                for inner, inner_messages in messages.items():
                    self._add_api_error(f"{name}.{inner}", inner_messages)
            else:
                self._add_api_error(name, messages)
        self.mark_invalid()

    def _add_api_error(self, name: str, messages: list[Any]) -> None:
        field = name if name in self.fields else None
        for message in messages:
            self.add_error(field, str(message))


class MagicLinkForm(PortalForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordSignInForm(PortalForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    totp_code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )  # fmt: skip


class WelcomeForm(PortalForm):
    """First sign-in from the invitation: the person's name and how they will sign in from now on."""

    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    method = forms.ChoiceField(
        label=_("How will you sign in?"), widget=forms.RadioSelect,
        choices=PartnerUser.SignInMethod.choices,
        error_messages={"required": _("Choose how you will sign in.")},
    )  # fmt: skip
    password = forms.CharField(
        label=_("Password (12 characters or more)"), strip=False, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    password_again = forms.CharField(
        label=_("The same password again"), strip=False, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    totp_code = forms.CharField(
        label=_("The 6-digit code your authenticator app shows"), required=False, max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )  # fmt: skip
    # The authenticator's key, signed: shown on the page to add to the app, checked with the first code.
    totp_key = forms.CharField(widget=forms.HiddenInput)

    def clean_totp_key(self) -> str:
        try:
            return str(signing.loads(self.cleaned_data["totp_key"], salt=TOTP_KEY_SALT, max_age=3600 * 24))
        except signing.BadSignature:
            raise forms.ValidationError(_("This page is too old: open the link from the email again.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password_chosen = data.get("method") == PartnerUser.SignInMethod.PASSWORD_TOTP
        if password_chosen and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class InviteForm(PortalForm):
    email = forms.EmailField(label=_("Their email"))
    name = forms.CharField(label=_("Their name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role"), widget=forms.RadioSelect, initial=PartnerUser.Role.MEMBER,
        choices=[(PartnerUser.Role.MEMBER, _("Member: refers and follows referrals")),
                 (PartnerUser.Role.ADMIN, _("Partner admin: also invites and removes colleagues"))],
    )  # fmt: skip
