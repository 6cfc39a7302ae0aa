"""Cached rows (partners.cached) forgotten when they, or their partner, are saved or deleted."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.cached import CachedRows
from partners.models import ClientAPIKey, Partner, PartnerUser
from partners.selectors import API_KEYS, PORTAL_USERS


def _forget(rows: CachedRows, idents: list[Any]) -> None:
    # Now, and once more after the commit: a request between the two could read the old row and cache it again.
    rows.forget(idents)
    transaction.on_commit(lambda: rows.forget(idents))


@receiver(post_save, sender=ClientAPIKey, dispatch_uid="partners_api_key_saved")
@receiver(post_delete, sender=ClientAPIKey, dispatch_uid="partners_api_key_deleted")
def _api_key_changed(sender: Any, instance: ClientAPIKey, **_: Any) -> None:
    if instance.prefix:
        _forget(API_KEYS, [instance.prefix])


@receiver(post_save, sender=PartnerUser, dispatch_uid="partners_portal_user_saved")
@receiver(post_delete, sender=PartnerUser, dispatch_uid="partners_portal_user_deleted")
def _portal_user_changed(sender: Any, instance: PartnerUser, **_: Any) -> None:
    _forget(PORTAL_USERS, [instance.pk])


# A deleted partner's keys and people are deleted with it (CASCADE), each forgotten by a receiver above.
@receiver(post_save, sender=Partner, dispatch_uid="partners_partner_saved")
def _partner_changed(sender: Any, instance: Partner, **_: Any) -> None:
    _forget(API_KEYS, list(ClientAPIKey.objects.filter(partner_id=instance.pk).values_list("prefix", flat=True)))
    _forget(PORTAL_USERS, list(PartnerUser.objects.filter(partner_id=instance.pk).values_list("pk", flat=True)))
