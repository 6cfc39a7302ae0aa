"""API keys: issued to a referral partner (referrals) or to a site (content only), scoped and revocable."""

from django.core.exceptions import ValidationError
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class Scope(models.TextChoices):
    CONTENT_READ = "content:read", "Read content"
    REFERRALS_WRITE = "referrals:write", "Send referrals"
    REFERRALS_READ = "referrals:read", "Read own referrals"


REFERRAL_SCOPES = {Scope.REFERRALS_WRITE, Scope.REFERRALS_READ}


class ClientAPIKey(AbstractAPIKey):
    """A key shown once at creation and stored as a prefix plus a SHA-512 hash (djangorestframework-api-key).

    Revoke it (`revoked`) or let it expire (`expiry_date`); `last_used_at` is refreshed at most once a
    minute, so a busy partner does not turn every read into a write.
    """

    partner = models.ForeignKey(
        "leads.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys",
        help_text="Empty for a site key, which may only read content.",
    )  # fmt: skip
    scopes = models.JSONField(default=list, help_text="Any of: content:read, referrals:write, referrals:read.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(isinstance(scope, str) for scope in self.scopes):
            raise ValidationError({"scopes": f"Choose any of: {', '.join(Scope.values)}."})
        scopes = set(self.scopes)
        unknown = scopes - set(Scope.values)
        if unknown:
            raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(sorted(unknown))}."})
        if scopes & REFERRAL_SCOPES and self.partner_id is None:
            raise ValidationError({"scopes": "Referral scopes need a partner."})
