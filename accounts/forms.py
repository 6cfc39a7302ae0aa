"""The admin's sign-in form: Django's, slowed per account (accounts.sign_in_guard), asking for a TOTP code from
the accounts that need one (accounts.otp). Every staff sign-in goes through it; a new sign-in page must too."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationFormMixin

from accounts import sign_in_guard
from accounts.otp import ALL, otp_asked, otp_required

# Failures of the password check itself (a non-staff account is `invalid_login` too): they count.
_PASSWORD_FAILURES = {"invalid_login", "inactive"}


class StaffAuthenticationForm(AdminAuthenticationForm, OTPAuthenticationFormMixin):
    otp_device = forms.CharField(required=False, widget=forms.Select, label="Device")
    otp_token = forms.CharField(
        required=False,
        label="Authentication code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    # django-otp's words ("OTP token") in plain language.
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "This account needs an authentication code: enter the one your authenticator app shows.",
        "invalid_token": "That authentication code is not right or has expired: enter the one shown now.",
        "device_required": "Choose the authenticator the code comes from.",
    }
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "busy": "Another sign-in to this account is being checked: try again in a few seconds.",
        "no_device": (
            "This account must sign in with an authentication code, and has no authenticator yet: "
            "ask an administrator to enrol one (manage.py totp_enrol)."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = "every account" if settings.ADMIN_REQUIRE_OTP == ALL else "accounts that can see personal data"
        self.fields["otp_token"].help_text = f"The 6-digit code your authenticator app shows; needed by {who}."

    @property
    def asks_for_code(self) -> bool:
        return otp_asked()

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # the missing field is reported beside it; no password is checked
        try:
            with sign_in_guard.sign_in_attempt(username) as attempt:
                try:
                    super().clean()  # the password (and axes' lockout), then is_staff
                except ValidationError as error:
                    if error.code in _PASSWORD_FAILURES:
                        attempt.failed()
                    raise
                user = self.get_user()
                if otp_required(user):
                    self._clean_code(user)
                attempt.succeeded()
        except sign_in_guard.AccountSlowed as slowed:
            seconds = slowed.wait_seconds
            message = ngettext(
                "Too many attempts for this account: try again in %(seconds)d second.",
                "Too many attempts for this account: try again in %(seconds)d seconds.",
                seconds,
            )
            raise ValidationError(message, code="too_many_attempts", params={"seconds": seconds}) from None
        except sign_in_guard.AccountBusy:
            raise ValidationError(self.error_messages["busy"], code="busy") from None
        return self.cleaned_data

    def _clean_code(self, user: Any) -> None:
        devices = list(devices_for_user(user))
        if not devices:
            raise ValidationError(self.error_messages["no_device"], code="no_device")
        if not self.cleaned_data.get("otp_device") and len(devices) == 1:
            # One device: nothing to choose (django-otp only refuses to try a code on several in turn).
            self.cleaned_data["otp_device"] = devices[0].persistent_id
        self.clean_otp(user)

    def _update_form(self, user: Any) -> None:
        # django-otp also renders the password back into the page for the next try; it is typed again instead.
        self.fields["otp_device"].widget.choices = self.device_choices(user)
