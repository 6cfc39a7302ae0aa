"""Settings shared by every environment, read from environment variables.

The defaults give the embedded set-up of `make run`: SQLite, no Redis (Celery eager, local-memory cache),
email and SMS to the console. Every variable is documented in `.env.example`.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str
from config.media import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
# The default is for local development only; config.settings.production refuses it.
DEFAULT_SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")

INSTALLED_APPS = [
    # https://django-modeltranslation.readthedocs.io/ — before the admin, as it asks: per-language columns.
    "modeltranslation",
    "config.apps.AdminConfig",  # Django's admin, with optional two-factor sign-in (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "rest_framework_api_key",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "anymail",
    "accounts",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "content",
    "partners",
    "leads",
    "notifications",
    "staff",
    "portal",  # the referral portal for partner people, /partners/ (docs/partners.md)
    "ops",  # metrics, traces, error reports, structured logs (docs/operations.md)
]

MIDDLEWARE = [
    # The request id, and every request counted and timed by route template (ops/middleware.py).
    "ops.middleware.ObservabilityMiddleware",
    # Warns once per process about X-Forwarded-For while NUM_PROXIES is 0 (config/client_ip.py).
    "config.middleware.ForwardedForWarningMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and the API docs' static files from gunicorn, with far-future caching.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.RequestBodyLimitMiddleware",
    "api.middleware.ContentSecurityPolicyMiddleware",
    # `private, no-store` and no surrogate keys on what a shared cache must never keep (api/caching_edge.py).
    "api.caching_edge.EdgePrivacyMiddleware",
    # A publishable key (the embeddable form's) anywhere but POST /api/v1/referrals/: 403 (api/middleware.py).
    "api.middleware.PublishableKeyMiddleware",
    # Answers warm content reads here, before URL resolution and the layers below (api/warm_reads.py).
    "api.warm_reads.WarmContentMiddleware",
    # Django's session, user and messages, for the admin only: skipped under /api/ (config/middleware.py).
    "config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

# Number of trusted reverse proxies in front of gunicorn (nginx: 1; a CDN in front of nginx: 2; gunicorn
# exposed directly: 0). The one setting for the client's address: the throttles, the sign-in lockout,
# idempotency scopes and logs all read it through config.client_ip (docs/security.md). It is kept in one
# place only, DRF's REST_FRAMEWORK["NUM_PROXIES"] below, which DRF's get_ident reads.
_num_proxies = env_int("NUM_PROXIES", 0)
if _num_proxies < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, got {_num_proxies}.")

# https://django-axes.readthedocs.io/ — staff sign-in: after AXES_FAILURE_LIMIT failures for one username
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address axes counts is the throttles' own (DRF's reading behind NUM_PROXIES), not django-ipware's:
# one function, so the two can never disagree about who the client is.
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Per-account slowing of staff sign-in (accounts/sign_in_guard.py): from the AFTER-th failure for one username
# (from any address), the next attempt waits 2^(failures - AFTER) seconds after the last failure, at most
# MAX_SECONDS; failures are forgotten WINDOW_MINUTES after the last one, or at a successful sign-in.
SIGN_IN_SLOWDOWN_AFTER = env_int("SIGN_IN_SLOWDOWN_AFTER", 5)
SIGN_IN_SLOWDOWN_MAX_SECONDS = env_int("SIGN_IN_SLOWDOWN_MAX_SECONDS", 300)
SIGN_IN_SLOWDOWN_WINDOW_MINUTES = env_int("SIGN_IN_SLOWDOWN_WINDOW_MINUTES", 15)
# https://django-otp-official.readthedocs.io/ — who signs in to the admin with a TOTP code too
# (accounts/otp.py): off, personal-data (accounts that can read leads' personal data; production's
# default) or all. Devices: `manage.py totp_enrol --username NAME`, then the admin's TOTP devices page.
ADMIN_REQUIRE_OTP = env_choice("ADMIN_REQUIRE_OTP", "off", ("off", "personal-data", "all"))
OTP_TOTP_ISSUER = "Core Recovery staff"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# https://github.com/jazzband/dj-database-url — DATABASE_URL, default a SQLite file for `make run`.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL unset: local-memory cache and eager Celery (the embedded default).
# Two kinds of data, two Redis servers in production (docs/security.md, "Redis layout"):
# - REDIS_URL: the Celery broker, the throttle counters, the content version, sign-in counters. Nothing
#   there may be evicted: `maxmemory-policy noeviction`.
# - CACHE_REDIS_URL: rendered content responses only, which any request can add to. Bounded with
#   `maxmemory` and `maxmemory-policy allkeys-lru`, so a flood evicts old pages and never a queued message.
#   Unset: the same server as REDIS_URL (development and tests); production refuses that.
REDIS_URL = env_str("REDIS_URL")
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL") or REDIS_URL


def _redis_cache(location: str) -> dict:
    return {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "corerecovery"),
        # A Redis outage must not hang requests: fail fast and let the view fall back.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


if REDIS_URL:
    CACHES = {"default": _redis_cache(REDIS_URL), "responses": _redis_cache(CACHE_REDIS_URL)}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses"},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Content languages: every editable text has an English and a Spanish column (content/translation.py).
# English is the default and the fallback: a Spanish response shows English where no Spanish is written.
LANGUAGES = [("en", "English"), ("es", "Español")]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Arizona keeps no daylight saving time.
TIME_ZONE = env_str("TIME_ZONE", "America/Phoenix")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# https://whitenoise.readthedocs.io/ — without collectstatic (make run, tests) files come from the apps;
# production settings switch to hashed, compressed files collected at image build time.
WHITENOISE_USE_FINDERS = True
# Without collectstatic there is no STATIC_ROOT yet, which WhiteNoise would warn about on every start.
warnings.filterwarnings("ignore", message="No directory at")
STORAGES = {
    # Editors' images: the filesystem, or an S3-compatible object store (config/media.py).
    "default": media_storage(env_str("MEDIA_STORAGE_URL")),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Editors' images (content/images.py): stored stripped under content-hashed names in the default storage,
# the filesystem under MEDIA_ROOT here; served at MEDIA_URL with a year's immutable caching (config/media.py).
MEDIA_URL = env_str("MEDIA_URL") or "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT") or str(BASE_DIR / "media")
# Uploads are refused above this size, and above this many pixels before anything is decoded (a 24-megapixel
# camera photo passes; a decompression bomb does not).
MEDIA_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
MEDIA_MAX_PIXELS = env_int("MEDIA_MAX_PIXELS", 40_000_000)

# The public website that renders this content; JSON-LD and canonical URLs are built against it.
PUBLIC_SITE_URL = env_str("PUBLIC_SITE_URL", "https://www.example.org").rstrip("/")
# The API's public base URL (scheme and host, as partners call it, through any proxy or CDN): the OpenAPI
# document's `servers`, which Swagger UI's "Try it out" and generated clients call. The paths carry `/api/v1/`.
PUBLIC_API_URL = (env_str("PUBLIC_API_URL") or "http://127.0.0.1:8000").rstrip("/")
# The OpenAPI document's `contact` (the center, for partner developers) and `license`: the center's content is
# its own, not open-licensed, so the document says "all rights reserved" and links the terms of use.
API_CONTACT_EMAIL = env_str("API_CONTACT_EMAIL", "")
API_TERMS_URL = env_str("API_TERMS_URL") or f"{PUBLIC_SITE_URL}/terms/"

# https://github.com/adamchainz/django-cors-headers
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
# The directory API (/hsds) too: a partner's referral platform may read it from a browser.
CORS_URLS_REGEX = r"^/(api/.*|hsds(/.*)?)$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]
CORS_EXPOSE_HEADERS = [
    "ETag", "Last-Modified", "Retry-After", "Content-Language", "X-Content-Preview", "Idempotent-Replayed",
]  # fmt: skip
# The website's preview page may send the draft preview token as a header instead of `?preview=`; the embeddable
# referral form sends an Idempotency-Key and, with Turnstile on, its token (api/views/leads.py), and its
# `data-lang` as Accept-Language (safelisted for a plain `es`, but listed by a browser for an unusual value).
CORS_ALLOW_HEADERS = (
    *cors_default_headers, "accept-language", "content-preview-token", "idempotency-key", "turnstile-token",
)  # fmt: skip

# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONFirstNegotiation",
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    # Content is public (an API key with content:read is accepted too); referrals need a partner's key.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousIPThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON_RATE", "600/minute"),
        # Contact requests per client IP: a family may write more than once, a bot should not get far.
        "leads": env_str("THROTTLE_LEADS_RATE", "20/hour"),
        # Requests per partner API key.
        "partner": env_str("THROTTLE_PARTNER_RATE", "1200/hour"),
        # The embeddable referral form (a publishable key, which anyone can copy from the partner's page):
        # referrals per key, and per client IP whatever the key. A practice's website sends a few a day; one
        # person sending a handful after mistakes is plausible, a hundred is not.
        "embed_key": env_str("THROTTLE_EMBED_KEY_RATE", "200/hour"),
        "embed_ip": env_str("THROTTLE_EMBED_IP_RATE", "20/hour"),
    },
    # Read by DRF's get_ident (the throttles) and by config.client_ip: see NUM_PROXIES above.
    "NUM_PROXIES": _num_proxies,
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Core Recovery API",
    "DESCRIPTION": (
        "Content and lead API of Core Recovery, an Arizona-licensed outpatient mental health facility in "
        "Phoenix (Intensive Outpatient Program, Partial Hospitalization Program).\n\n"
        "Content is public and cacheable: every content response carries `ETag`, `Last-Modified` and "
        "`Cache-Control`, and answers `304 Not Modified` to `If-None-Match`/`If-Modified-Since`. Errors are "
        "RFC 9457 `application/problem+json`.\n\n"
        "**This API is not a crisis service.** In a crisis call or text 988 (Suicide & Crisis Lifeline); "
        "in an emergency call 911."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": PUBLIC_API_URL, "description": "The Core Recovery API (PUBLIC_API_URL)."}],
    "CONTACT": {
        "name": "Core Recovery",
        "url": PUBLIC_SITE_URL,
        **({"email": API_CONTACT_EMAIL} if API_CONTACT_EMAIL else {}),
    },
    "LICENSE": {"name": "Proprietary: all rights reserved", "url": API_TERMS_URL},
    "TOS": API_TERMS_URL,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_media_type_hook",
        "api.schema.sparse_fields_hook",
        "api.schema.client_names_hook",
        "api.schema.anonymous_security_hook",
    ],
    # Every enum named after its choices, not after the field that happens to use it: names stay the same
    # when a field is added or renamed, and a second `status` field never turns one into `Status4aeEnum`.
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "content.models.PublicationStatus",
        "LevelOfCareEnum": "content.models.Program.LevelOfCare",
        "TherapyFormatEnum": "content.models.Therapy.Format",
        "LeadStatusEnum": "leads.models.LeadStatus",
        "NotAdmittedReasonEnum": "leads.models.NotAdmittedReason",
        "UrgencyEnum": "leads.models.Urgency",
        "ContactMethodEnum": "leads.models.ContactMethod",
        "AgeRangeEnum": "leads.models.AgeRange",
        "RelationshipEnum": "api.serializers.leads.RELATIONSHIP_CHOICES",
        "RedirectSourceEnum": "api.serializers.content.REDIRECT_SOURCE_CHOICES",
        "SitemapPageTypeEnum": "api.serializers.content.SITEMAP_PAGE_TYPE_CHOICES",
        "AvailabilityStatusEnum": "content.models.ProgramAvailability.Accepting",
        "NetworkStatusEnum": "content.models.NetworkStatus",
        "InsuranceKindEnum": "content.models.InsurancePlan.Kind",
        "DeliveryMethodEnum": "api.serializers.content.DELIVERY_METHOD_CHOICES",
        "ImageFormatEnum": "api.serializers.content.MEDIA_FORMAT_CHOICES",
    },
    "TAGS": [
        {"name": "site", "description": "The center's profile: contact, hours, crisis resources."},
        {"name": "programs", "description": "Levels of care: IOP and PHP."},
        {"name": "therapies", "description": "Therapy modalities used in the programs."},
        {"name": "articles", "description": "Articles, searchable and filterable."},
        {"name": "faqs", "description": "Frequently asked questions."},
        {"name": "leads", "description": "Contact requests from people seeking help, or their family."},
        {"name": "referrals", "description": "Referrals from partners (API key), and their status."},
        {"name": "testimonials", "description": "Consented, anonymous-by-default testimonials."},
        {"name": "sitemap", "description": "Every public page, for sitemap.xml and hreflang alternates."},
        {"name": "menus", "description": "Navigation menus (header, footer) that editors keep in the admin."},
        {"name": "redirects", "description": "Public-path redirects (old slugs, old website URLs) to install."},
        {"name": "insurance", "description": "Payers and plans accepted, with their network status per program."},
        {"name": "media", "description": "Images live content shows, with renditions for `<picture>`."},
        {"name": "health", "description": "Liveness and readiness probes."},
    ],
}

# Lead intake (leads/). Personal fields are encrypted with Fernet keys, newest first
# (https://cryptography.io/en/latest/fernet/); the defaults are for local development only and
# config.settings.production refuses them.
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="
DEV_LEAD_LOOKUP_KEY = "development-lookup-key-not-for-production"
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", DEV_FIELD_ENCRYPTION_KEY)
LEAD_LOOKUP_KEY = env_str("LEAD_LOOKUP_KEY", DEV_LEAD_LOOKUP_KEY)
LEAD_REPEAT_WINDOW_DAYS = env_int("LEAD_REPEAT_WINDOW_DAYS", 30)
LEAD_RETENTION_DAYS = env_int("LEAD_RETENTION_DAYS", 730)
# Dotted path of a callable(event_id) run after each lead event commits (the notifications app's hook).
LEAD_EVENT_PUBLISHER = env_str("LEAD_EVENT_PUBLISHER", "notifications.tasks.enqueue_event_routing")

# Notifications (notifications/). SMS through SMS_BACKEND: notifications.backends.console (default),
# .locmem (tests) or .twilio. Links in messages point at ADMIN_BASE_URL.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.console")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")  # empty: Twilio's own; tests point it at a local fake
# Seconds to wait for Twilio's answer: past it the send is a transient error, retried with backoff.
TWILIO_TIMEOUT = env_int("TWILIO_TIMEOUT", 10)
ADMIN_BASE_URL = env_str("ADMIN_BASE_URL", "http://127.0.0.1:8000")
BUSINESS_TIME_ZONE = "America/Phoenix"
BUSINESS_HOURS = env_str("BUSINESS_HOURS", "08:00-17:00")
BUSINESS_DAYS = [int(day) for day in env_list("BUSINESS_DAYS", "0,1,2,3,4")]  # Monday is 0
ESCALATE_AFTER_MINUTES = env_int("ESCALATE_AFTER_MINUTES", 15)
ESCALATE_URGENT_AFTER_MINUTES = env_int("ESCALATE_URGENT_AFTER_MINUTES", 5)
ESCALATION_MAX_LEVEL = env_int("ESCALATION_MAX_LEVEL", 2)
ACK_TOKEN_MAX_AGE_HOURS = env_int("ACK_TOKEN_MAX_AGE_HOURS", 72)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 5)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 300)
# The sweeper leaves a fresh event or notification alone this long: its own task is normally on it.
NOTIFICATION_SWEEP_GRACE_SECONDS = env_int("NOTIFICATION_SWEEP_GRACE_SECONDS", 60)
NOTIFICATION_RETRY_STALE_SECONDS = env_int("NOTIFICATION_RETRY_STALE_SECONDS", 600)
# Rows per sweep: a backlog after an outage drains over a few minutes instead of one huge transaction.
NOTIFICATION_SWEEP_BATCH = env_int("NOTIFICATION_SWEEP_BATCH", 1000)
# Events a route task routes in one transaction: itself and up to this many - 1 others waiting (a burst). Their
# first attempts follow in that task, one transaction per message; 50 events are about a second of sending.
NOTIFICATION_ROUTE_BATCH = env_int("NOTIFICATION_ROUTE_BATCH", 50)
DIGEST_GROUP = env_str("DIGEST_GROUP", "admissions-lead")
# Optional confirmation to the person who wrote, on these channels (email, sms), only with their consent for
# the channel; empty (the default) sends none.
LEAD_CONFIRMATION_CHANNELS = env_list("LEAD_CONFIRMATION_CHANNELS")
# Anti-abuse (leads/form_tokens.py, docs/leads.md): a contact request must carry a form token from
# GET /api/v1/leads/form-token/ issued at least this many seconds earlier; 0 (the default) turns the check off
# and no token is needed.
LEAD_MIN_FILL_SECONDS = env_int("LEAD_MIN_FILL_SECONDS", 0)
# How long a form token stays usable. Generous on purpose: a person in distress may take hours over the form,
# and an expired token costs them a resend (the website fetches a new token and sends again).
LEAD_FORM_TOKEN_MAX_AGE_SECONDS = env_int("LEAD_FORM_TOKEN_MAX_AGE_SECONDS", 4 * 60 * 60)
# Dotted path of a callable(token, client_ip) -> bool verifying a CAPTCHA token; empty turns it off.
LEAD_CAPTCHA_VERIFIER = env_str("LEAD_CAPTCHA_VERIFIER")
# SMS disclosure texts the website may show (their version ids); consent to SMS must name one.
LEAD_SMS_DISCLOSURE_VERSIONS = env_list("LEAD_SMS_DISCLOSURE_VERSIONS", "2026-01")
# The embeddable referral form's optional human check, Cloudflare Turnstile (partners/turnstile.py,
# docs/partners.md): with a secret key set, a referral sent with a publishable key needs a token (header
# `Turnstile-Token`) that siteverify accepts, solved on a page of one of the key's origins. Empty: off. The site
# key is the widget's (public), printed in the HTML a partner pastes. TURNSTILE_VERIFY_URL: tests point it at a
# local fake.
TURNSTILE_SECRET_KEY = env_str("TURNSTILE_SECRET_KEY")
TURNSTILE_SITE_KEY = env_str("TURNSTILE_SITE_KEY")
TURNSTILE_VERIFY_URL = env_str("TURNSTILE_VERIFY_URL") or "https://challenges.cloudflare.com/turnstile/v0/siteverify"
TURNSTILE_TIMEOUT_SECONDS = env_int("TURNSTILE_TIMEOUT_SECONDS", 5)
# Request bodies under /api/ larger than this are refused with 413.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 64 * 1024)

# Outgoing webhooks (notifications/webhooks.py, docs/webhooks.md). Dotted path of a callable(event_id) run
# after each content event commits (the notifications app's hook).
CONTENT_EVENT_PUBLISHER = env_str("CONTENT_EVENT_PUBLISHER", "notifications.tasks.enqueue_content_event_routing")
# Guards against server-side request forgery: https only, and only public addresses. Tests and a local
# receiver on a developer's machine turn these on; production refuses WEBHOOK_ALLOW_HTTP.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 3)
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT", 10)
# Backoff times 4 from 30 s, capped at 6 h: ten attempts span about 27 hours.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
# After a rotation the previous secret also signs this long, so a receiver switches without a gap.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)

# Content responses: browsers and CDNs may keep them this long, then revalidate with the ETag.
CONTENT_CACHE_ENABLED = env_bool("CONTENT_CACHE_ENABLED", True)
CONTENT_CACHE_TIMEOUT = env_int("CONTENT_CACHE_TIMEOUT", 3600)
# A rendered response larger than this is not stored in Redis (rendered each time): no single page can
# take a large share of the response cache. A list of 100 full articles is about 2.6 MB.
CONTENT_CACHE_MAX_ENTRY_BYTES = env_int("CONTENT_CACHE_MAX_ENTRY_BYTES", 4 * 1024 * 1024)
# Each process also keeps recent responses in memory, checked against the version in Redis on every request.
CONTENT_LOCAL_CACHE_BYTES = env_int("CONTENT_LOCAL_CACHE_BYTES", 32 * 1024 * 1024)
# Content responses at least this large are stored compressed too (brotli, zstd, gzip: api/encoding.py) and
# answered in the coding Accept-Encoding chooses. Smaller ones fit in a packet or two: compressing them saves
# the client nothing it would notice.
CONTENT_COMPRESS_MIN_BYTES = env_int("CONTENT_COMPRESS_MIN_BYTES", 1024)
CONTENT_MAX_AGE = env_int("CONTENT_MAX_AGE", 60)
CONTENT_STALE_WHILE_REVALIDATE = env_int("CONTENT_STALE_WHILE_REVALIDATE", 300)
# Seconds an editor's draft preview link (content/preview.py) stays valid after the admin page made it.
CONTENT_PREVIEW_MAX_AGE = env_int("CONTENT_PREVIEW_MAX_AGE", 3600)

# The edge in front of the API (api/caching_edge.py, notifications/edge.py, docs/edge.md). EDGE_BACKEND purges
# what a content change touches: none (the default: nothing in front), varnish (xkey over HTTP to each of
# EDGE_VARNISH_URL), fastly (by surrogate key, the official SDK), cloudflare (by cache tag, the official SDK),
# or the dotted path of a class (tests: notifications.edge_backends.LocmemEdgeBackend).
EDGE_BACKEND = env_str("EDGE_BACKEND", "none")
# Seconds the edge keeps a page (purges refresh it sooner); it serves it stale this long while the origin fails.
EDGE_MAX_AGE = env_int("EDGE_MAX_AGE", 3600)
EDGE_STALE_IF_ERROR = env_int("EDGE_STALE_IF_ERROR", 86400)
# Soft purge where the CDN has one (Fastly's soft purge, Cloudflare's invalidate, xkey.softpurge): objects
# are marked stale and revalidated with their ETag, and served stale if the origin fails meanwhile.
EDGE_SOFT_PURGE = env_bool("EDGE_SOFT_PURGE", False)
EDGE_VARNISH_URL = env_list("EDGE_VARNISH_URL")  # comma-separated: every Varnish server is purged
EDGE_FASTLY_API_TOKEN = env_str("EDGE_FASTLY_API_TOKEN")
EDGE_FASTLY_SERVICE_ID = env_str("EDGE_FASTLY_SERVICE_ID")
EDGE_FASTLY_API_URL = env_str("EDGE_FASTLY_API_URL")  # empty: Fastly's own; tests point it at a local fake
EDGE_CLOUDFLARE_API_TOKEN = env_str("EDGE_CLOUDFLARE_API_TOKEN")
EDGE_CLOUDFLARE_ZONE_ID = env_str("EDGE_CLOUDFLARE_ZONE_ID")
EDGE_CLOUDFLARE_API_URL = env_str("EDGE_CLOUDFLARE_API_URL")  # empty: Cloudflare's own; tests: a local fake
EDGE_PURGE_TIMEOUT = env_int("EDGE_PURGE_TIMEOUT", 10)  # seconds for one purge request
# A purge that keeps failing is tried this many times (backoff 2 s doubling, capped at 5 minutes: about 20
# minutes in all), then the staff group EDGE_ALERT_GROUP hears of it by email.
EDGE_PURGE_MAX_ATTEMPTS = env_int("EDGE_PURGE_MAX_ATTEMPTS", 8)
EDGE_PURGE_RETRY_BASE_SECONDS = env_int("EDGE_PURGE_RETRY_BASE_SECONDS", 2)
EDGE_PURGE_RETRY_MAX_SECONDS = env_int("EDGE_PURGE_RETRY_MAX_SECONDS", 300)
EDGE_ALERT_GROUP = env_str("EDGE_ALERT_GROUP", "admissions-lead")

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Publishing must not hang a request when Redis is down: a short connect timeout and two quick retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# Redis queues by priority: deliveries (default 0) leave before routing tasks (6), so in a burst each lead's
# messages go out as soon as it is routed instead of behind every lead routed after it. The socket timeout
# bounds a publish to a Redis that accepts connections and never answers (without it a contact request
# waited forever); it is longer than the worker's 1 s BRPOP poll.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "queue_order_strategy": "priority"}
CELERY_TASK_ROUTES = {"notifications.route_event": {"priority": 6}}
# Workers keep their database connection across tasks (CONN_MAX_AGE and health checks still apply): a new
# PostgreSQL connection per task tripled the time of a delivery (bench/speed_to_lead.py).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULE = {
    "sweep-notifications": {"task": "notifications.sweep", "schedule": 60.0},
    # Scheduled go-lives announce themselves, and failed webhook attempts are retried, within a minute.
    "sweep-webhooks": {"task": "notifications.sweep_webhooks", "schedule": 60.0},
    # Edge purges whose task a broker outage lost, or whose retry has come.
    "sweep-edge-purges": {"task": "notifications.sweep_edge_purges", "schedule": 60.0},
    "daily-digest": {"task": "notifications.daily_digest", "schedule": crontab(hour=7, minute=0)},
    # Retention: leads past LEAD_RETENTION_DAYS lose their personal data every night (03:15 Phoenix time).
    "anonymise-expired-leads": {"task": "leads.anonymise_expired", "schedule": crontab(hour=3, minute=15)},
    # The dashboard's roll-up: the days changes touched rebuilt within a minute (the page also does it first).
    "refresh-dashboard-rollup": {"task": "leads.rollup_refresh", "schedule": 60.0},
}

# https://docs.djangoproject.com/en/5.2/topics/email/ — the console by default; SMTP (Mailpit in compose)
# or any django-anymail provider in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Core Recovery <no-reply@localhost>")
# Each worker process keeps its email connection open between messages (notifications/mailer.py) and reopens it
# after this many idle seconds, before the server would drop it.
EMAIL_CONNECTION_MAX_IDLE_SECONDS = env_int("EMAIL_CONNECTION_MAX_IDLE_SECONDS", 30)
# https://anymail.dev/en/stable/ — an ESP's API instead of SMTP: EMAIL_BACKEND=anymail.backends.postmark.EmailBackend
# (or .amazon_ses, .mailgun, .sendgrid), its keys below, and its tracking webhook pointed at
# ADMIN_BASE_URL + /webhooks/email/<esp>/tracking/ with the user:password of ANYMAIL_WEBHOOK_SECRET
# (docs/notifications.md). Delivered and bounced reports then mark each email's notification.
ANYMAIL = {
    name: value
    for name, value in {
        # Basic auth of the webhooks, "user:password"; several (comma-separated) while rotating.
        "WEBHOOK_SECRET": env_list("ANYMAIL_WEBHOOK_SECRET"),
        "POSTMARK_SERVER_TOKEN": env_str("ANYMAIL_POSTMARK_SERVER_TOKEN"),
        "POSTMARK_API_URL": env_str("ANYMAIL_POSTMARK_API_URL"),
        "MAILGUN_API_KEY": env_str("ANYMAIL_MAILGUN_API_KEY"),
        "MAILGUN_SENDER_DOMAIN": env_str("ANYMAIL_MAILGUN_SENDER_DOMAIN"),
        "MAILGUN_API_URL": env_str("ANYMAIL_MAILGUN_API_URL"),  # https://api.eu.mailgun.net/v3 in the EU
        "MAILGUN_WEBHOOK_SIGNING_KEY": env_str("ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY"),
        "SENDGRID_API_KEY": env_str("ANYMAIL_SENDGRID_API_KEY"),
        "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": env_str("ANYMAIL_SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY"),
        "AMAZON_SES_CLIENT_PARAMS": (
            {"region_name": env_str("ANYMAIL_AMAZON_SES_REGION")} if env_str("ANYMAIL_AMAZON_SES_REGION") else {}
        ),
        "AMAZON_SES_CONFIGURATION_SET_NAME": env_str("ANYMAIL_AMAZON_SES_CONFIGURATION_SET_NAME"),
    }.items()
    if value
}

# Operations (docs/operations.md). Logs: "plain" lines (make run) or "json", one object per line (production's
# default), each with the request id and the trace id.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
# GET /metrics for Prometheus with `Authorization: Bearer <METRICS_TOKEN>`; empty: the endpoint does not exist.
# Under gunicorn and Celery prefork, PROMETHEUS_MULTIPROC_DIR (read by prometheus_client) must name an empty
# directory shared by the processes whose metrics /metrics shows (deploy/README.md).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# https://docs.sentry.io/platforms/python/integrations/django/ — error reports, scrubbed (ops/scrub.py); empty: off.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
# https://opentelemetry.io/docs/specs/otel/protocol/exporter/ — traces over OTLP/HTTP; empty: off. The SDK reads
# OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS and the other OTEL_* variables itself.
OTEL_EXPORTER_OTLP_ENDPOINT = env_str("OTEL_EXPORTER_OTLP_ENDPOINT")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "filters": {
        "disallowed_host": {"()": "config.log_filters.DisallowedHostFilter"},
        "context": {"()": "ops.logs.ContextFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request bodies may hold personal data: Django's request logger only gets the path and status.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # A Host outside ALLOWED_HOSTS: a WARNING with the value cut at 100 characters, not an ERROR with all
        # of it (config/log_filters.py).
        "django.security.DisallowedHost": {"filters": ["disallowed_host"], "level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "config.error_pages.csrf_failure"
