"""Periodic lead maintenance. Tasks are thin: each calls one service and is safe to run twice."""

from celery import shared_task

from leads.rollups import rollup_refresh
from leads.services import leads_anonymise_expired


@shared_task(name="leads.anonymise_expired", acks_late=True, time_limit=600)
def anonymise_expired_leads() -> int:
    return leads_anonymise_expired()


@shared_task(name="leads.rollup_refresh", acks_late=True, time_limit=600)
def refresh_dashboard_rollup() -> int:
    """Rebuild the dashboard roll-up's days that changes marked (leads.rollups), every minute from beat."""
    return rollup_refresh()
