from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        # Saving or deleting a key or a partner forgets the cached key (partners.selectors.api_key_by_prefix).
        from partners import receivers  # noqa: F401
