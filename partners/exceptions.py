"""What the partners' services refuse, each with a stable code (like DRF's `default_code`)."""

from django.utils.translation import gettext_lazy as _


class PartnerError(Exception):
    code = "partner_error"
    default_message = _("That could not be done.")

    def __init__(self, message: str | None = None) -> None:
        # Rendered now, in the language of the request that raised it.
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class TokenInvalid(PartnerError):
    """Unknown, already used, expired, or (a magic link) opened in another browser: one answer for all, so a
    guess learns nothing about which tokens exist."""

    code = "token_invalid"
    default_message = _("This link cannot be used: it has expired, was already used, or was opened in another browser.")


class SignInRefused(PartnerError):
    code = "sign_in_refused"
    default_message = _("The email address, password or code is not right.")


class AccountLocked(PartnerError):
    code = "account_locked"
    default_message = _("Too many wrong attempts: this account is locked for a while. Try again later.")


class NotAllowed(PartnerError):
    code = "not_allowed"
    default_message = _("Only your organisation's partner admin can do that.")
