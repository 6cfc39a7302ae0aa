"""Settings for `make test`: PostgreSQL and Redis on 127.0.0.1 unless DATABASE_URL/REDIS_URL say otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/corerecovery")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_KEY_PREFIX", "corerecovery-test")

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run the tasks in-process unless an integration test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
SMS_BACKEND = "notifications.backends.locmem"
ADMIN_BASE_URL = "https://admin.corerecovery.example"
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"  # noqa: S105
# The email delivery webhooks refuse whoever lacks these (tests/notifications/test_email_tracking.py sets its own).
ANYMAIL = {"WEBHOOK_SECRET": "test-anymail:webhook-secret", "MAILGUN_WEBHOOK_SIGNING_KEY": "test-mailgun-signing-key"}
# Test receivers listen on plain http on 127.0.0.1; a test of the guard turns these off.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
