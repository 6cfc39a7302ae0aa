"""Production settings: refuse to start with development defaults; `manage.py check --deploy` is clean."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    ANYMAIL,
    CACHE_REDIS_URL,
    DEFAULT_SECRET_KEY,
    DEV_FIELD_ENCRYPTION_KEY,
    DEV_LEAD_LOOKUP_KEY,
    EMAIL_BACKEND,
    FIELD_ENCRYPTION_KEYS,
    LEAD_LOOKUP_KEY,
    REDIS_URL,
    SECRET_KEY,
    WEBHOOK_ALLOW_HTTP,
    _num_proxies,
)

if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if FIELD_ENCRYPTION_KEYS == [DEV_FIELD_ENCRYPTION_KEY] or DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set to production Fernet keys.")
if LEAD_LOOKUP_KEY == DEV_LEAD_LOOKUP_KEY or len(LEAD_LOOKUP_KEY) < 32:
    raise ImproperlyConfigured("LEAD_LOOKUP_KEY must be set to a random value of at least 32 characters.")
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be false in production.")
DEBUG = False
if REDIS_URL and urlsplit(CACHE_REDIS_URL).netloc == urlsplit(REDIS_URL).netloc:
    # One server has one maxmemory-policy: an evicting one loses queued tasks and throttle counters, a
    # non-evicting one lets a flood of cached pages fill memory until the broker refuses writes.
    raise ImproperlyConfigured(
        "CACHE_REDIS_URL must name a Redis server of its own (maxmemory-policy allkeys-lru), not REDIS_URL's "
        "(the broker's, noeviction): see docs/security.md, Redis layout."
    )
if WEBHOOK_ALLOW_HTTP:
    raise ImproperlyConfigured("Webhooks go over https only in production: unset WEBHOOK_ALLOW_HTTP.")
if EMAIL_BACKEND.startswith("anymail.") and not ANYMAIL.get("WEBHOOK_SECRET"):
    # Without it anymail's tracking webhooks take anyone's word (Postmark and SES sign nothing): a forged
    # "delivered" would hide a lost alert, a forged bounce would text staff for nothing.
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET (user:password) must be set with an anymail EMAIL_BACKEND.")

# The client's address and the scheme come from proxy headers only if proxies are there: production says how
# many, always. A default of 0 behind nginx made every visitor one client (one throttle bucket, one sign-in
# lockout for all); a default of 1 without a proxy would let clients pick their own address.
if env_str("NUM_PROXIES").strip() == "":
    raise ImproperlyConfigured(
        "NUM_PROXIES must be set: the number of trusted reverse proxies in front of gunicorn "
        "(1 behind nginx, 2 with a CDN in front of nginx, 0 if gunicorn is exposed directly)."
    )
# Staff who can read personal data sign in with a TOTP code too; turning it off takes an explicit `off`.
ADMIN_REQUIRE_OTP = env_choice("ADMIN_REQUIRE_OTP", "personal-data", ("off", "personal-data", "all"))

# TLS terminates at the proxy, which sets X-Forwarded-Proto. Without a proxy, anyone could send that header:
# it is not trusted, and gunicorn must terminate TLS itself (or SECURE_SSL_REDIRECT be off, as in compose).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _num_proxies > 0 else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health probes come from the orchestrator, and Prometheus's scrape of /metrics (bearer token), over plain HTTP
# inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# One JSON object per log line (docs/operations.md); `plain` only if set so.
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("plain", "json"))
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT

# Static files are collected into the image at build time (Dockerfile): hashed names, compressed copies.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": STORAGES["default"],  # editors' images: MEDIA_STORAGE_URL (config/media.py)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
