"""Bot and abuse checks of a public contact request.

- Honeypot: a field people never see. A bot that fills it gets an ordinary-looking 201 and a real
  reference, and the row is kept marked `is_spam`, without any personal data and never routed: abuse stays
  countable, and nothing a bot sent is stored about anyone.
- Minimum fill time (LEAD_MIN_FILL_SECONDS, off by default), measured with a signed form token the API issued
  when the form was shown (leads.form_tokens), and the CAPTCHA (LEAD_CAPTCHA_VERIFIER, off by default) answer
  with a 400 the person can act on, never a silent drop: a real person in distress who types fast or fails a
  CAPTCHA must know the request did not go through.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from leads.exceptions import LeadError
from leads.form_tokens import form_token_check


class CaptchaFailed(LeadError):
    code = "captcha_failed"
    default_detail = _("The anti-spam check did not pass. Please try again.")


def is_honeypot_filled(value: str | None) -> bool:
    return bool(value and value.strip())


def check_human(*, form_token: str, captcha_token: str, client_ip: str) -> None:
    """Raise if the configured checks say a bot sent this; do nothing when they are off.

    The form token is checked first: it costs nothing, where a CAPTCHA verifier calls its provider.
    """
    if settings.LEAD_MIN_FILL_SECONDS:
        form_token_check(token=form_token)
    verifier_path = settings.LEAD_CAPTCHA_VERIFIER
    if verifier_path:
        verify = import_string(verifier_path)
        if not captcha_token or not verify(captcha_token, client_ip):
            raise CaptchaFailed()
