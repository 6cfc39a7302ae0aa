"""Domain errors of lead intake, each with a stable code; api.exceptions turns them into problem+json."""


class LeadError(Exception):
    code = "lead_error"
    default_detail = "The lead could not be processed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.default_detail)
        self.detail = detail or self.default_detail


class IdempotencyKeyReused(LeadError):
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request body."


class IdempotencyKeyInFlight(LeadError):
    code = "idempotency_key_in_flight"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


class InvalidStatusTransition(LeadError):
    code = "invalid_status_transition"
    default_detail = "The lead cannot move to that status from its current one."


class LeadChangedMeanwhile(LeadError):
    """Someone else acted on the lead between the page being shown and this action: nothing was changed."""

    code = "lead_changed_meanwhile"
    default_detail = "Someone else changed this lead meanwhile; nothing was changed. Here is where it stands now."
