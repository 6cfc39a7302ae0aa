"""Signal receivers: thin adapters from other libraries' signals to this app's services."""

from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from notifications import services


@receiver(tracking, dispatch_uid="notifications.email_tracking")
def email_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """An ESP's delivery report, checked by django-anymail's webhook view (basic auth, the ESP's signature)."""
    services.notification_record_email_event(
        provider_message_id=str(event.message_id or ""), event_type=str(event.event_type)
    )
