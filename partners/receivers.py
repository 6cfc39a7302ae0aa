"""Cached reads of partners' keys forgotten when what they hold changes (partners.selectors.api_key_by_prefix)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.models import ClientAPIKey, Partner
from partners.selectors import api_keys_forget


def _forget_after_commit(prefixes: list[str]) -> None:
    # Now, and once more after the commit: a request between the two could read the old row and cache it again.
    api_keys_forget(prefixes)
    transaction.on_commit(lambda: api_keys_forget(prefixes))


@receiver(post_save, sender=ClientAPIKey, dispatch_uid="partners_api_key_saved")
@receiver(post_delete, sender=ClientAPIKey, dispatch_uid="partners_api_key_deleted")
def _api_key_changed(sender: Any, instance: ClientAPIKey, **_: Any) -> None:
    if instance.prefix:
        _forget_after_commit([instance.prefix])


# A deleted partner's keys are deleted with it (CASCADE), each forgotten by the receiver above.
@receiver(post_save, sender=Partner, dispatch_uid="partners_partner_saved")
def _partner_changed(sender: Any, instance: Partner, **_: Any) -> None:
    _forget_after_commit(list(ClientAPIKey.objects.filter(partner_id=instance.pk).values_list("prefix", flat=True)))
