from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the service: Prometheus metrics, OpenTelemetry traces, Sentry reports, structured logs."""

    name = "ops"

    def ready(self) -> None:
        from ops import celery_signals, metrics, sentry, tracing

        metrics.initialise()
        celery_signals.connect()
        sentry.init_from_settings()
        tracing.init_from_settings()
