"""Form tokens: the server's own word that a contact form was shown some time before it was sent.

The minimum fill time (LEAD_MIN_FILL_SECONDS) used to trust `form_started_at`, a time the client wrote: a
bot left it out or sent one from the year 2000. Now the website asks the API for a token when it shows the
form and sends it back with the request; the time that counts is the one signed into the token.

A token is a random nonce signed with its issue time (django.core.signing.TimestampSigner: SECRET_KEY, and a
salt of its own, so an acknowledge link or a draft preview token never passes for one). It carries nothing
personal, not even the address it was issued to, and nothing is stored. It may be used from
LEAD_MIN_FILL_SECONDS after it was issued until LEAD_FORM_TOKEN_MAX_AGE_SECONDS after (people in distress take
their time; a form left open overnight gets a clear "send it again", never a silent drop). Rotating SECRET_KEY
invalidates the tokens of forms open at that moment: they are asked to send again.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from leads.exceptions import LeadError

SALT = "leads.form_token"


class SubmittedTooFast(LeadError):
    code = "submitted_too_fast"
    default_detail = _(
        "The form was sent very quickly after it opened. Please check it and send it again in a few seconds."
    )


class FormTokenInvalid(LeadError):
    """No form token, or one this server did not issue for a contact form (forged, or of another kind)."""

    code = "form_token_invalid"
    default_detail = _("The form could not be checked. Please reload the page and send it again.")


class FormTokenExpired(LeadError):
    code = "form_token_expired"
    default_detail = _("The form was open for a long time and has expired. Please send it again.")


@dataclass(frozen=True)
class FormToken:
    token: str
    issued_at: datetime
    # Sent earlier, the request is refused as too fast; sent after `expires_at`, as expired.
    usable_from: datetime
    expires_at: datetime


class _FormTokenSigner(signing.TimestampSigner):
    """TimestampSigner with this module's clock, so that the time signed and the time checked are one clock."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()))

    def signed_at(self, token: str) -> int:
        """When `token` was signed, in seconds since the epoch; BadSignature if this signer did not sign it."""
        # Signer.unsign checks the signature only; TimestampSigner.unsign would then judge the age by its own
        # clock and against one bound, where a form token has two.
        nonce_and_time = signing.Signer.unsign(self, token)
        return signing.b62_decode(nonce_and_time.rsplit(self.sep, 1)[1])


def _signer() -> _FormTokenSigner:
    return _FormTokenSigner(salt=SALT)  # built per call: SECRET_KEY and its fallbacks are read at call time


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def form_token_issue() -> FormToken:
    """A new form token, usable from LEAD_MIN_FILL_SECONDS until LEAD_FORM_TOKEN_MAX_AGE_SECONDS from now."""
    signer = _signer()
    token = signer.sign(secrets.token_urlsafe(16))
    issued_at = _moment(signer.signed_at(token))
    return FormToken(
        token=token,
        issued_at=issued_at,
        usable_from=issued_at + timedelta(seconds=settings.LEAD_MIN_FILL_SECONDS),
        expires_at=issued_at + timedelta(seconds=settings.LEAD_FORM_TOKEN_MAX_AGE_SECONDS),
    )


def form_token_check(*, token: str) -> None:
    """Raise unless `token` is a form token of this server, at least LEAD_MIN_FILL_SECONDS old and at most
    LEAD_FORM_TOKEN_MAX_AGE_SECONDS old: FormTokenInvalid (missing, forged, of another kind), FormTokenExpired,
    SubmittedTooFast."""
    if not token:
        raise FormTokenInvalid()
    try:
        signed_at = _signer().signed_at(token)
    except (signing.BadSignature, ValueError) as exc:
        raise FormTokenInvalid() from exc
    age = time.time() - signed_at
    if age > settings.LEAD_FORM_TOKEN_MAX_AGE_SECONDS:
        raise FormTokenExpired()
    # A negative age (a token from a server whose clock runs ahead) counts as too fast: sent again a few
    # seconds later, it passes.
    if age < settings.LEAD_MIN_FILL_SECONDS:
        raise SubmittedTooFast()
