from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from leads.services import SEALED_FIELDS
        from notifications import receivers  # noqa: F401 (connects django-anymail's tracking signal)
        from notifications.models import WebhookEndpoint

        # Webhook secrets are sealed with the lead keys: `rotate_lead_keys` re-encrypts them too.
        for field_name in ("sealed_secret", "sealed_previous_secret"):
            if (WebhookEndpoint, field_name) not in SEALED_FIELDS:
                SEALED_FIELDS.append((WebhookEndpoint, field_name))
