from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from api import schema  # noqa: F401  (registers OpenAPI extensions)
        from api.cors import allow_publishable_key_origins

        check_request_enabled.connect(allow_publishable_key_origins, dispatch_uid="publishable-key-origins")
