from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        # Saving or deleting a key, a portal user or a partner forgets its cached copy (partners.cached).
        from partners import receivers  # noqa: F401
