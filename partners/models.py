"""Who refers people to the center: partner organisations, their liaison at the center, and their API keys.

A domain app like `leads`: it knows no HTTP. `leads` refers to `partners` (a referral's partner), never the
reverse. The tables kept their names when these models moved here from `leads` and `api` (migration
partners/0001), so every existing key and reference still holds.
"""

from urllib.parse import urlsplit

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
# What a publishable key's holder sees before the library's `<prefix>.<secret>`, as Stripe's `pk_`: a key made
# to live in a web page says so, and can never be mistaken for (or used as) a secret one.
PUBLISHABLE_KEY_PREFIX = "pk_"
# A publishable key can do one thing: send a referral.
PUBLISHABLE_SCOPES = [Scope.REFERRALS_WRITE.value]


def origin_normalise(value: str) -> str:
    """`scheme://host[:port]`, lowercase, as a browser sends it in `Origin`; anything else is a ValidationError.

    No path, query, fragment, user or wildcard: the match with the `Origin` header is exact, so a typo must fail
    here rather than silently never match. The default port is dropped, as browsers drop it.
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"{text!r} is not an origin such as https://partner.example.") from None
    if (
        parts.scheme not in {"https", "http"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or parts.username is not None
        or "*" in text
    ):
        raise ValidationError(
            f"{text!r} is not an origin: give scheme://host[:port] only, e.g. https://partner.example."
        )
    default_port = {"https": 443, "http": 80}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


class ClientAPIKey(AbstractAPIKey):
    """A key shown once at creation and stored as a prefix plus a SHA-512 hash (djangorestframework-api-key).

    Issued to a partner (referrals) or to a site (content only). Revoke it (`revoked`) or let it expire
    (`expiry_date`); `last_used_at` is refreshed at most once a minute, so a busy partner does not turn every
    read into a write.

    A *publishable* key (`pk_…`) lives in a partner's web page (the embeddable referral form): it is not a
    secret, so it may only send referrals, only from a page whose `Origin` is in its `allowed_origins`.
    """

    class Kind(models.TextChoices):
        SECRET = "secret", "Secret (server to server)"
        PUBLISHABLE = "publishable", "Publishable (the embeddable form in a partner's web page)"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SECRET)
    allowed_origins = models.JSONField(
        default=list, blank=True,
        help_text="Publishable keys only: the origins (scheme://host[:port]) of the pages that may use the key.",
    )  # fmt: skip
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["secret", "publishable"]), name="clientapikey_kind_known"
            ),
            # A key in a web page always answers for a partner: its referrals are that partner's.
            models.CheckConstraint(
                condition=models.Q(kind="secret") | models.Q(partner__isnull=False),
                name="clientapikey_publishable_has_partner",
            ),
        ]

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(isinstance(scope, str) for scope in self.scopes):
            raise ValidationError({"scopes": f"Choose any of: {', '.join(Scope.values)}."})
        scopes = set(self.scopes)
        unknown = scopes - set(Scope.values)
        if unknown:
            raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(sorted(unknown))}."})
        if scopes & REFERRAL_SCOPES and self.partner_id is None:
            raise ValidationError({"scopes": "Referral scopes need a partner."})
        if not isinstance(self.allowed_origins, list) or not all(isinstance(o, str) for o in self.allowed_origins):
            raise ValidationError({"allowed_origins": "A list of origins such as https://partner.example."})
        if self.kind == self.Kind.PUBLISHABLE:
            if self.partner_id is None:
                raise ValidationError({"partner": "A publishable key sends referrals: it needs a partner."})
            if sorted(scopes) != PUBLISHABLE_SCOPES:
                raise ValidationError({"scopes": "A publishable key has one scope: referrals:write."})
            origins = []
            for origin in self.allowed_origins:
                normalised = origin_normalise(origin)
                if normalised not in origins:
                    origins.append(normalised)
            if not origins:
                raise ValidationError({"allowed_origins": "A publishable key needs the origin of at least one page."})
            self.allowed_origins = origins
        elif self.allowed_origins:
            raise ValidationError({"allowed_origins": "Only a publishable key has allowed origins."})

    @property
    def is_publishable(self) -> bool:
        return self.kind == self.Kind.PUBLISHABLE


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
