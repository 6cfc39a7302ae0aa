"""Domain errors of partners' keys, each with a stable code; api.exceptions turns them into problem+json."""


class PartnerError(Exception):
    code = "partner_error"
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.default_detail)
        self.detail = detail or self.default_detail


class HumanCheckMissing(PartnerError):
    code = "turnstile_missing"
    default_detail = "The form's human check is missing: complete it, then send the form again."


class HumanCheckFailed(PartnerError):
    code = "turnstile_failed"
    default_detail = "The human check did not pass. Please complete it again, then send the form again."


class HumanCheckExpired(PartnerError):
    code = "turnstile_expired"
    default_detail = "The human check expired or was already used. Please complete it again, then send the form."


class HumanCheckWrongSite(PartnerError):
    code = "turnstile_wrong_site"
    default_detail = "The human check was completed on a website this key does not serve."


class HumanCheckUnavailable(PartnerError):
    code = "turnstile_unavailable"
    default_detail = (
        "The human check could not be verified just now; nothing was sent. Please try again in a minute, or call "
        "us at 602-926-7729."
    )
