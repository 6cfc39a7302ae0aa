"""Partner rows cached in each process (partners.cached) dropped everywhere when a key, a portal user or a partner
is saved or deleted."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.cached import rows_changed
from partners.models import ClientAPIKey, Partner, PartnerUser


# A deleted partner's keys and people are deleted with it (CASCADE), each a signal of its own.
@receiver(post_save, sender=ClientAPIKey, dispatch_uid="partners_api_key_saved")
@receiver(post_delete, sender=ClientAPIKey, dispatch_uid="partners_api_key_deleted")
@receiver(post_save, sender=PartnerUser, dispatch_uid="partners_portal_user_saved")
@receiver(post_delete, sender=PartnerUser, dispatch_uid="partners_portal_user_deleted")
@receiver(post_save, sender=Partner, dispatch_uid="partners_partner_saved")
def _partner_rows_changed(sender: Any, **_: Any) -> None:
    # Now, and once more after the commit: a request between the two could read the old row and keep it under
    # the new version.
    rows_changed()
    transaction.on_commit(rows_changed)
