"""Domain errors of lead intake, each with a stable code; api.exceptions turns them into problem+json."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class LeadError(Exception):
    code = "lead_error"
    default_detail: str | Promise = _("The lead could not be processed.")

    def __init__(self, detail: str | Promise | None = None) -> None:
        # Rendered now, in the language of the request that raised it (api.language for submissions).
        self.detail = str(detail or self.default_detail)
        super().__init__(self.detail)


class IdempotencyKeyReused(LeadError):
    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request body.")


class IdempotencyKeyInFlight(LeadError):
    code = "idempotency_key_in_flight"
    default_detail = _("A request with this Idempotency-Key is still being processed; retry shortly.")


class InvalidStatusTransition(LeadError):
    code = "invalid_status_transition"
    default_detail = _("The lead cannot move to that status from its current one.")


class LeadChangedMeanwhile(LeadError):
    """Someone else acted on the lead between the page being shown and this action: nothing was changed."""

    code = "lead_changed_meanwhile"
    default_detail = _("Someone else changed this lead meanwhile; nothing was changed. Here is where it stands now.")
