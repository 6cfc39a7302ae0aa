"""Who refers people to the center: partner organisations, their liaison at the center, and their API keys.

A domain app like `leads`: it knows no HTTP. `leads` refers to `partners` (a referral's partner), never the
reverse. The tables kept their names when these models moved here from `leads` and `api` (migration
partners/0001), so every existing key and reference still holds.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class Partner(models.Model):
    """A referral partner organisation: a hospital, a practice, a school, a court, another program."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", "Hospital"
        CLINICIAN = "clinician", "Clinician or practice"
        SCHOOL = "school", "School"
        COURT = "court_probation", "Court or probation"
        EAP = "eap", "Employee assistance program (EAP)"
        TREATMENT_PROGRAM = "treatment_program", "Other treatment program"
        COMMUNITY = "community", "Community organisation"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    # No default: a hospital silently filed as a "clinician" skews every report by partner kind.
    kind = models.CharField(max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    liaison_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="liaison_partners",
        help_text="Staff accounts of the center who follow this partner's referrals (the Partner liaison role).",
    )  # fmt: skip

    class Meta:
        db_table = "leads_partner"  # where it lived before partners/ existed
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    CONTENT_READ = "content:read", "Read content"
    REFERRALS_WRITE = "referrals:write", "Send referrals"
    REFERRALS_READ = "referrals:read", "Read own referrals"


REFERRAL_SCOPES = {Scope.REFERRALS_WRITE, Scope.REFERRALS_READ}


class ClientAPIKey(AbstractAPIKey):
    """A key shown once at creation and stored as a prefix plus a SHA-512 hash (djangorestframework-api-key).

    Issued to a partner (referrals) or to a site (content only). Revoke it (`revoked`) or let it expire
    (`expiry_date`); `last_used_at` is refreshed at most once a minute, so a busy partner does not turn every
    read into a write.
    """

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys",
        help_text="Empty for a site key, which may only read content.",
    )  # fmt: skip
    scopes = models.JSONField(default=list, help_text="Any of: content:read, referrals:write, referrals:read.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        db_table = "api_clientapikey"  # where it lived before partners/ existed
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
