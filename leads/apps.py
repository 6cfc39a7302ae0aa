from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        # The dashboard roll-up's signal receivers: a change to a lead marks its day out of date.
        from leads import rollups  # noqa: F401
