"""What changes partners, their people and their keys. Adapters (the admin, management commands, the portal)
call these; none of them writes a partner user or a token itself."""

import base64
import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.util import random_hex

from partners import selectors, turnstile
from partners.exceptions import (
    AccountLocked,
    HumanCheckExpired,
    HumanCheckFailed,
    HumanCheckMissing,
    HumanCheckWrongSite,
    NotAllowed,
    SignInRefused,
    TokenInvalid,
)
from partners.models import (
    PUBLISHABLE_KEY_PREFIX,
    PUBLISHABLE_SCOPES,
    ClientAPIKey,
    Partner,
    PartnerUser,
    PartnerUserToken,
)

logger = logging.getLogger(__name__)

MAGIC_LINK_LIFETIME = timedelta(minutes=15)
INVITATION_LIFETIME = timedelta(days=7)
# More unused links than this in one lifetime and no new one is sent: a form cannot be used to flood an inbox.
MAGIC_LINKS_AT_ONCE = 3
# Hashed with the same path as a real check, so an unknown address takes as long as a wrong password.
_DUMMY_PASSWORD_HASH = make_password("not a password of anyone")


def partner_get_or_create(*, name: str, kind: str | None) -> Partner:
    """The partner called `name`; a new one needs its kind (nobody is filed as a "clinician" by default)."""
    partner = Partner.objects.filter(name=name).first()
    if partner is not None:
        return partner
    if kind not in Partner.Kind.values:
        raise ValidationError(
            {"kind": f"{name!r} is a new partner: say its kind, one of {', '.join(Partner.Kind.values)}."}
        )
    partner = Partner(name=name, slug=slugify(name)[:200], kind=kind)
    partner.full_clean()
    partner.save()
    return partner


def api_key_issue(
    *,
    name: str,
    partner: Partner | None,
    scopes: list[str],
    expiry_date: datetime | None = None,
    publishable: bool = False,
    allowed_origins: list[str] | None = None,
) -> tuple[ClientAPIKey, str]:
    """A new key and its secret. Only the hash is kept: the caller shows the secret once, then forgets it.

    A publishable key (`publishable=True`) gets the one scope it may have and the origins it may be used from;
    what its holder gets is `pk_<prefix>.<secret>`.
    """
    api_key = ClientAPIKey(
        name=name[:50],
        partner=partner,
        scopes=PUBLISHABLE_SCOPES if publishable else scopes,
        expiry_date=expiry_date,
        kind=ClientAPIKey.Kind.PUBLISHABLE if publishable else ClientAPIKey.Kind.SECRET,
        allowed_origins=allowed_origins or [],
    )
    api_key.clean()
    secret = ClientAPIKey.objects.assign_key(api_key)
    api_key.save()
    if publishable:
        selectors.publishable_origins_forget()
        return api_key, api_key_display(api_key=api_key, secret=secret)
    return api_key, secret


def api_key_display(*, api_key: ClientAPIKey, secret: str) -> str:
    """The key as its holder sends it: the library's `<prefix>.<secret>`, after `pk_` for a publishable key.

    The library hashes `<prefix>.<secret>` alone, so a publishable key is stored exactly like a secret one.
    """
    return PUBLISHABLE_KEY_PREFIX + secret if api_key.is_publishable else secret


# Turnstile's codes for a token that was good once: a person who waited too long, or a form sent twice.
_SPENT_TOKEN_CODES = {"timeout-or-duplicate"}
# Longer tokens are not Turnstile's (its documentation gives 2048 characters at most): refused unsent.
TURNSTILE_TOKEN_MAX_LENGTH = 2048


# last_used_at is a hint for staff, not an audit log: refreshed at most this often.
API_KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_record_use(*, api_key: ClientAPIKey) -> None:
    """Note that the key was just used (at most once a minute), here and in its cached copy."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at <= API_KEY_LAST_USED_RESOLUTION:
        return
    # An UPDATE, not save(): no signal, so the processes' copies are kept (this one's refreshed below).
    ClientAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
    selectors.API_KEYS.refresh(api_key.prefix, api_key)


def embed_human_check_enabled() -> bool:
    return bool(settings.TURNSTILE_SECRET_KEY)


def embed_human_check(*, api_key: ClientAPIKey, token: str, client_ip: str) -> None:
    """Raise unless Turnstile vouches for `token` on a page of one of the key's origins; nothing when it is off.

    The hostname check matters: a token solved on any site that uses the same widget would pass otherwise.
    """
    if not embed_human_check_enabled():
        return
    token = token.strip()
    if not token or len(token) > TURNSTILE_TOKEN_MAX_LENGTH:
        raise HumanCheckMissing()
    result = turnstile.siteverify(token=token, remote_ip=client_ip)
    if not result.success:
        if _SPENT_TOKEN_CODES & set(result.error_codes):
            raise HumanCheckExpired()
        raise HumanCheckFailed()
    hosts = {urlsplit(origin).hostname for origin in api_key.allowed_origins}
    if result.hostname.lower() not in hosts:
        raise HumanCheckWrongSite()


# --- Partner people ---------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    """What is stored of an emailed token or a browser nonce: tokens are 256-bit random, so a plain SHA-256
    is enough (no salt or slow hash needed: nothing to guess from)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _token_issue(*, user: PartnerUser, purpose: str, lifetime: timedelta, browser_nonce: str = "") -> str:
    token, now = secrets.token_urlsafe(32), timezone.now()
    PartnerUserToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=token_hash(token),
        browser_hash=token_hash(browser_nonce) if browser_nonce else "",
        created_at=now,
        expires_at=now + lifetime,
    )
    return token


def _portal_url(path: str) -> str:
    # Links in messages point at the public address (ADMIN_BASE_URL, as the staff's messages do).
    return settings.ADMIN_BASE_URL.rstrip("/") + path


def _send(*, user: PartnerUser, subject: str, template: str, context: dict[str, Any]) -> None:
    body = render_to_string(template, {"user": user, "partner": user.partner, **context})
    send_mail(subject, body, None, [user.email])
    # Never the address: the account's id says which it was.
    logger.info("partner user email sent", extra={"partner_user_id": user.pk, "template": template})


def _normalised_email(email: str) -> str:
    return email.strip().lower()


def _check_admin(*, by: PartnerUser | None, partner: Partner) -> None:
    """`by` is None when the center's staff act (admin, command); a partner user must be its partner's admin."""
    if by is not None and not (by.is_active and by.is_partner_admin and by.partner_id == partner.pk):
        raise NotAllowed()


def partner_user_invite(
    *, partner: Partner, email: str, role: str = PartnerUser.Role.MEMBER, name: str = "", by: PartnerUser | None = None
) -> PartnerUser:
    """Creates the account (or brings back a removed one of the same partner, or invites again one who never
    accepted) and emails a single-use invitation, valid INVITATION_LIFETIME; earlier links stop working. The
    invitation's link is where the person chooses how to sign in."""
    _check_admin(by=by, partner=partner)
    email = _normalised_email(email)
    if role not in PartnerUser.Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    with transaction.atomic():
        user = PartnerUser.objects.select_for_update().filter(email=email).first()
        # An invitation not yet accepted may be sent again (lost, expired); an account in use may not.
        in_use = user is not None and user.is_active and user.activated_at is not None
        if user is not None and (user.partner_id != partner.pk or in_use):
            # Said the same way whichever partner holds it: a partner admin learns nothing of other partners.
            raise ValidationError({"email": _("This address already has a portal account.")})
        if user is None:
            user = PartnerUser(partner=partner, email=email)
        user.name, user.role, user.is_active, user.removed_at = name, role, True, None
        user.sign_in_method, user.password, user.totp_key, user.activated_at = "", "", "", None
        user.failed_sign_ins, user.locked_until = 0, None
        user.full_clean()
        user.save()
        user.tokens.filter(used_at__isnull=True).update(used_at=timezone.now())
        token = _token_issue(user=user, purpose=PartnerUserToken.Purpose.INVITATION, lifetime=INVITATION_LIFETIME)
        transaction.on_commit(
            lambda: _send(
                user=user,
                subject=_("Your Core Recovery referral portal account"),
                template="partners/email/invitation.txt",
                context={"link": _portal_url(f"/partners/welcome/{token}/"), "days": INVITATION_LIFETIME.days},
            )
        )
    return user


def _usable_token(*, token: str, purpose: str, lock: bool = False) -> PartnerUserToken:
    tokens = PartnerUserToken.objects.select_related("user", "user__partner")
    if lock:
        tokens = tokens.select_for_update(of=("self",))
    found = tokens.filter(token_hash=token_hash(token), purpose=purpose).first()
    if (
        found is None
        or found.used_at is not None
        or found.expires_at <= timezone.now()
        or not found.user.is_active
        or not found.user.partner.is_active
    ):
        raise TokenInvalid()
    return found


def invitation_check(*, token: str) -> PartnerUser:
    """The invited person, if the invitation can still be accepted; nothing is used up (a mail scanner that
    opens the link must not spend it)."""
    return _usable_token(token=token, purpose=PartnerUserToken.Purpose.INVITATION).user


def totp_key_new() -> str:
    return str(random_hex(20))


def totp_secret_for_app(key: str) -> str:
    """The key as authenticator apps take it typed in (base32), and in the otpauth:// URI."""
    return base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")


def totp_uri(*, user: PartnerUser, key: str) -> str:
    return f"otpauth://totp/Core%20Recovery%20partners:{user.pk}?secret={totp_secret_for_app(key)}&issuer=Core%20Recovery%20partners"


def _totp_verify(*, key: str, code: str, last_step: int) -> int | None:
    """The time step the code belongs to, if it is right and newer than `last_step` (a code works once)."""
    code = "".join(code.split())
    if not code.isdigit() or not key:
        return None
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1, min_t=last_step + 1):
        return int(totp.t())
    return None


def invitation_accept(
    *, token: str, method: str, name: str = "", password: str = "", totp_key: str = "", totp_code: str = ""
) -> PartnerUser:
    """Uses up the invitation and records how the person signs in from now on: magic links, or a password
    (Django's validators) with a TOTP code proving the authenticator app holds `totp_key`."""
    with transaction.atomic():
        found = _usable_token(token=token, purpose=PartnerUserToken.Purpose.INVITATION, lock=True)
        user = found.user
        errors: dict[str, list[str]] = {}
        if method not in PartnerUser.SignInMethod.values:
            errors["method"] = [_("Choose how you will sign in.")]
        step = -1
        if method == PartnerUser.SignInMethod.PASSWORD_TOTP:
            try:
                validate_password(password, user=None)
            except ValidationError as exc:
                errors["password"] = list(exc.messages)
            verified = _totp_verify(key=totp_key, code=totp_code, last_step=-1)
            if verified is None:
                errors["totp_code"] = [_("This code is not right: enter the 6 digits your app shows now.")]
            else:
                step = verified
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        if name.strip():
            user.name = name.strip()[:200]
        user.sign_in_method, user.activated_at, user.last_sign_in_at = method, now, now
        if method == PartnerUser.SignInMethod.PASSWORD_TOTP:
            user.password, user.totp_key, user.totp_last_step = make_password(password), totp_key, step
        else:
            user.password, user.totp_key, user.totp_last_step = "", "", -1
        user.session_version = F("session_version") + 1
        user.save(
            update_fields=[
                "name",
                "sign_in_method",
                "activated_at",
                "last_sign_in_at",
                "password",
                "totp_key",
                "totp_last_step",
                "session_version",
            ]
        )
        found.used_at = now
        found.save(update_fields=["used_at"])
    user.refresh_from_db()
    return user


def magic_link_issue(*, email: str, browser_nonce: str) -> None:
    """Emails a sign-in link, valid MAGIC_LINK_LIFETIME, usable once and only in the browser holding
    `browser_nonce`. Silent when the address has no active account that signs in by link, or is locked, or
    has MAGIC_LINKS_AT_ONCE links pending: the page says the same thing either way (no account is revealed)."""
    user = (
        PartnerUser.objects.select_related("partner")
        .filter(
            email=_normalised_email(email),
            is_active=True,
            partner__is_active=True,
            sign_in_method=PartnerUser.SignInMethod.MAGIC_LINK,
        )
        .first()
    )
    now = timezone.now()
    if user is None or (user.locked_until and user.locked_until > now):
        return
    pending = user.tokens.filter(
        purpose=PartnerUserToken.Purpose.MAGIC_LINK, used_at__isnull=True, expires_at__gt=now
    ).count()
    if pending >= MAGIC_LINKS_AT_ONCE:
        return
    token = _token_issue(
        user=user,
        purpose=PartnerUserToken.Purpose.MAGIC_LINK,
        lifetime=MAGIC_LINK_LIFETIME,
        browser_nonce=browser_nonce,
    )
    _send(
        user=user,
        subject=_("Your sign-in link to the Core Recovery referral portal"),
        template="partners/email/magic_link.txt",
        context={
            "link": _portal_url(f"/partners/sign-in/link/{token}/"),
            "minutes": int(MAGIC_LINK_LIFETIME.total_seconds() // 60),
        },
    )


def magic_link_redeem(*, token: str, browser_nonce: str) -> PartnerUser:
    """The person the link was sent to, once: the link is used up. From another browser (no nonce, or another
    one) it is refused and stays usable where it was asked for."""
    with transaction.atomic():
        found = _usable_token(token=token, purpose=PartnerUserToken.Purpose.MAGIC_LINK, lock=True)
        if not browser_nonce or not secrets.compare_digest(found.browser_hash, token_hash(browser_nonce)):
            raise TokenInvalid()
        user = found.user
        if user.locked_until and user.locked_until > timezone.now():
            raise AccountLocked()
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        user.last_sign_in_at = found.used_at
        user.save(update_fields=["last_sign_in_at"])
    return user


def _failure_record(user: PartnerUser) -> None:
    user.failed_sign_ins += 1
    fields = ["failed_sign_ins"]
    if user.failed_sign_ins >= settings.AXES_FAILURE_LIMIT:
        # The same limit and cool-off as staff sign-in (AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES).
        user.locked_until, user.failed_sign_ins = timezone.now() + settings.AXES_COOLOFF_TIME, 0
        fields.append("locked_until")
    user.save(update_fields=fields)


def password_sign_in(*, email: str, password: str, totp_code: str) -> PartnerUser:
    """The person, if the password and the TOTP code are right. A wrong one counts a failure; at the limit
    the account is locked for the cool-off, right password or not."""
    refusal: Exception | None = None
    with transaction.atomic():
        user = (
            PartnerUser.objects.select_for_update()
            .filter(
                email=_normalised_email(email),
                is_active=True,
                partner__is_active=True,
                sign_in_method=PartnerUser.SignInMethod.PASSWORD_TOTP,
            )
            .first()
        )
        if user is None:
            check_password(password, _DUMMY_PASSWORD_HASH)
            raise SignInRefused()
        if user.locked_until and user.locked_until > timezone.now():
            raise AccountLocked()
        step = _totp_verify(key=user.totp_key, code=totp_code, last_step=user.totp_last_step)
        if not check_password(password, user.password) or step is None:
            # Raised after the commit: the failure must be counted, not rolled back with the exception.
            _failure_record(user)
            refusal = AccountLocked() if user.locked_until else SignInRefused()
        else:
            user.failed_sign_ins, user.locked_until, user.totp_last_step = 0, None, step
            user.last_sign_in_at = timezone.now()
            user.save(update_fields=["failed_sign_ins", "locked_until", "totp_last_step", "last_sign_in_at"])
    if refusal is not None:
        raise refusal
    return user


def partner_user_remove(*, user: PartnerUser, by: PartnerUser | None) -> PartnerUser:
    """Removes a person from the portal: their sessions end, their pending links stop working, the account
    stays for the record. A partner admin removes only their own organisation's people, never themselves."""
    _check_admin(by=by, partner=user.partner)
    if by is not None and by.pk == user.pk:
        raise NotAllowed(_("You cannot remove yourself: ask another partner admin or the center."))
    now = timezone.now()
    with transaction.atomic():
        user.is_active, user.removed_at = False, now
        user.session_version = F("session_version") + 1
        user.save(update_fields=["is_active", "removed_at", "session_version"])
        user.tokens.filter(used_at__isnull=True).update(used_at=now)
    user.refresh_from_db()
    return user
