"""SMS through Twilio's official SDK. TWILIO_API_BASE_URL points the SDK elsewhere (a local fake in tests)."""

from typing import Any

from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.backends.base import (
    BaseSMSBackend,
    ConfigurationError,
    PermanentDeliveryError,
    TransientDeliveryError,
)

# Twilio error codes that no retry will fix: invalid or unreachable number, opted out, not a mobile.
PERMANENT_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}


class SMSBackend(BaseSMSBackend):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER):
            raise ConfigurationError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER must be set.")
        # The SDK waits forever by default: a provider that never answers would hold the worker (the solo
        # and threads pools enforce no time limit; prefork's soft limit fails the task instead of retrying).
        http_client = TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        kwargs: dict[str, Any] = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            error = f"Twilio {exc.status} code {exc.code}"
            if exc.status == 429 or exc.status >= 500:
                raise TransientDeliveryError(error) from None
            if exc.code in PERMANENT_CODES or 400 <= exc.status < 500:
                raise PermanentDeliveryError(error) from None
            raise TransientDeliveryError(error) from None
        except TwilioException as exc:
            raise TransientDeliveryError(f"Twilio: {type(exc).__name__}") from None
        except OSError as exc:  # connection refused, timeout, DNS: the provider may come back
            raise TransientDeliveryError(f"Twilio unreachable: {type(exc).__name__}") from None
        return str(message.sid)
