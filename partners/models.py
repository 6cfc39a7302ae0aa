"""Who refers people to the center: partner organisations, their liaison at the center, and their API keys.

A domain app like `leads`: it knows no HTTP. `leads` refers to `partners` (a referral's partner), never the
reverse. The tables kept their names when these models moved here from `leads` and `api` (migration
partners/0001), so every existing key and reference still holds.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
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


class PartnerUser(models.Model):
    """A person at a partner organisation who uses the referral portal (`/partners/`).

    Not a `django.contrib.auth` user on purpose: an account of this model can never hold a staff permission,
    pass the admin's or the staff pages' checks, or be confused with staff by `request.user`; the portal keeps
    its own session under its own cookie, limited to `/partners/` (portal.session, docs/partners.md). A person
    who leaves is removed (`is_active` off, `removed_at`), never deleted: the referrals they sent keep naming them.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMIN = "admin", _("Partner admin")

    class SignInMethod(models.TextChoices):
        MAGIC_LINK = "magic_link", _("A sign-in link by email")
        PASSWORD_TOTP = "password_totp", _("A password and a code from an authenticator app")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="people")
    # Stored lower-cased (partners.services): one address, one account, whatever the case it was typed in.
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Empty until the person accepts the invitation and chooses.
    sign_in_method = models.CharField(max_length=16, choices=SignInMethod.choices, blank=True)
    password = models.CharField(max_length=128, blank=True)  # Django's hashers (make_password), never the text
    # The TOTP secret (hex), as django-otp's TOTPDevice keeps it; `totp_last_step` refuses a code used twice.
    totp_key = models.CharField(max_length=80, blank=True)
    totp_last_step = models.BigIntegerField(default=-1)
    is_active = models.BooleanField(default=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Lockout of password sign-in, counted here (django-axes guards Django's auth backends, which these
    # accounts do not use): PARTNER_SIGN_IN_FAILURE_LIMIT failures lock the account for the cool-off.
    failed_sign_ins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Part of every portal session; raised when the person is removed or changes how they sign in, which ends
    # every session opened before.
    session_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["partner", "email"]
        verbose_name = "partner user"

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_partner_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class PartnerUserToken(models.Model):
    """A single-use secret emailed to a partner user: an invitation or a magic sign-in link.

    Only the SHA-256 of the token is stored (a leaked table opens nothing). A magic link also stores the hash
    of a random nonce kept in a cookie of the browser that asked for it: the link works in that browser only.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        MAGIC_LINK = "magic_link", "Magic sign-in link"

    user = models.ForeignKey(PartnerUser, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    browser_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "expires_at"], name="partnertoken_user_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"  # never the token
