"""Error reports to Sentry (or any Sentry-compatible service) when SENTRY_DSN is set; off otherwise."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ops.scrub import before_send


def options(**overrides: Any) -> dict[str, Any]:
    """sentry_sdk.init's arguments: nothing personal is ever asked of the SDK, and what it gathers anyway goes
    through ops.scrub.before_send."""
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    return {
        "dsn": settings.SENTRY_DSN,
        "environment": settings.SENTRY_ENVIRONMENT,
        "release": settings.SENTRY_RELEASE or None,
        "send_default_pii": False,
        # Frames' local variables hold the request's data and the decrypted lead: never sent.
        "include_local_variables": False,
        "max_request_body_size": "never",
        "before_send": before_send,
        "before_send_transaction": before_send,
        # Traces go to OpenTelemetry (ops.tracing); Sentry gets errors only.
        "traces_sample_rate": 0.0,
        "integrations": [
            DjangoIntegration(transaction_style="url"),
            CeleryIntegration(),
            LoggingIntegration(),
        ],
        "default_integrations": True,
        **overrides,
    }


def init_from_settings(**overrides: Any) -> bool:
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk

    sentry_sdk.init(**options(**overrides))
    return True
