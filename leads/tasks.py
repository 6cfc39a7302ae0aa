"""Periodic lead maintenance. Tasks are thin: each calls one service and is safe to run twice."""

from celery import shared_task

from leads.services import leads_anonymise_expired


@shared_task(name="leads.anonymise_expired", acks_late=True, time_limit=600)
def anonymise_expired_leads() -> int:
    return leads_anonymise_expired()
