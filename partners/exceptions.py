"""What the partners' services refuse, each with a stable code; api.exceptions turns them into problem+json
(status by code in DOMAIN_ERROR_STATUS), the portal's pages show `detail` in words."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PartnerError(Exception):
    code = "partner_error"
    default_detail: str | Promise = _("That could not be done.")

    def __init__(self, detail: str | Promise | None = None) -> None:
        # Rendered now, in the language of the request that raised it.
        self.detail = str(detail or self.default_detail)
        super().__init__(self.detail)


class HumanCheckMissing(PartnerError):
    code = "turnstile_missing"
    default_detail = _("The form's human check is missing: complete it, then send the form again.")


class HumanCheckFailed(PartnerError):
    code = "turnstile_failed"
    default_detail = _("The human check did not pass. Please complete it again, then send the form again.")


class HumanCheckExpired(PartnerError):
    code = "turnstile_expired"
    default_detail = _("The human check expired or was already used. Please complete it again, then send the form.")


class HumanCheckWrongSite(PartnerError):
    code = "turnstile_wrong_site"
    default_detail = _("The human check was completed on a website this key does not serve.")


class HumanCheckUnavailable(PartnerError):
    code = "turnstile_unavailable"
    default_detail = _(
        "The human check could not be verified just now; nothing was sent. Please try again in a minute, or call "
        "us at 602-926-7729."
    )


class TokenInvalid(PartnerError):
    """Unknown, already used, expired, or (a magic link) opened in another browser: one answer for all, so a
    guess learns nothing about which tokens exist."""

    code = "token_invalid"
    default_detail = _("This link cannot be used: it has expired, was already used, or was opened in another browser.")


class SignInRefused(PartnerError):
    code = "sign_in_refused"
    default_detail = _("The email address, password or code is not right.")


class AccountLocked(PartnerError):
    code = "account_locked"
    default_detail = _("Too many wrong attempts: this account is locked for a while. Try again later.")


class NotAllowed(PartnerError):
    code = "not_allowed"
    default_detail = _("Only your organisation's partner admin can do that.")
