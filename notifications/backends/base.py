"""SMS backends, chosen by `SMS_BACKEND` the way Django chooses `EMAIL_BACKEND`.

Errors say whether trying again can help: a `TransientDeliveryError` (timeouts, 5xx, 429) is retried with
backoff; a `PermanentDeliveryError` (invalid number, unsubscribed) stops at once and falls back to the
recipient's other channel. A `ConfigurationError` is never silenced.
"""

from typing import Any


class DeliveryError(Exception):
    """A message could not be handed to the provider. The text names the provider's error, never content."""


class TransientDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


class ConfigurationError(Exception):
    pass


class BaseSMSBackend:
    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        """Hand one text to the provider; returns the provider's message id."""
        raise NotImplementedError
