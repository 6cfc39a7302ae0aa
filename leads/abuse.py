"""Bot and abuse checks of a public contact request.

- Honeypot: a field people never see. A bot that fills it gets an ordinary-looking 201 and a real
  reference, and the row is kept marked `is_spam`, without any personal data and never routed: abuse stays
  countable, and nothing a bot sent is stored about anyone.
- Minimum fill time (LEAD_MIN_FILL_SECONDS, off by default) and the CAPTCHA (LEAD_CAPTCHA_VERIFIER, off by
  default) answer with a 400 the person can act on, never a silent drop: a real person in distress who
  types fast or fails a CAPTCHA must know the request did not go through.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from leads.exceptions import LeadError


class SubmittedTooFast(LeadError):
    code = "submitted_too_fast"
    default_detail = "The form was sent very quickly after it opened. Please check it and send it again."


class CaptchaFailed(LeadError):
    code = "captcha_failed"
    default_detail = "The anti-spam check did not pass. Please try again."


def is_honeypot_filled(value: str | None) -> bool:
    return bool(value and value.strip())


def check_human(*, form_started_at: datetime | None, captcha_token: str, client_ip: str) -> None:
    """Raise if the configured checks say a bot sent this; do nothing when they are off."""
    minimum = settings.LEAD_MIN_FILL_SECONDS
    if minimum and form_started_at is not None and (timezone.now() - form_started_at).total_seconds() < minimum:
        raise SubmittedTooFast()
    verifier_path = settings.LEAD_CAPTCHA_VERIFIER
    if verifier_path:
        verify = import_string(verifier_path)
        if not captcha_token or not verify(captcha_token, client_ip):
            raise CaptchaFailed()
