"""Production settings refuse development defaults and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-production-secret-for-the-test-only-" + "x" * 20
PRODUCTION = {
    "SECRET_KEY": STRONG_KEY,
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWtleS1mb3ItY2hlY2stZGVwbG95ISE=",
    "LEAD_LOOKUP_KEY": "test-only-lookup-key-of-enough-length-0123456789",
    # Two Redis servers (nothing connects to them during `check`).
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CACHE_REDIS_URL": "redis://127.0.0.1:6380/0",
    "NUM_PROXIES": "1",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: tests/browser sets it for the session, and `check --deploy` refuses it.
    inherited_out = {"DEBUG", "DJANGO_SETTINGS_MODULE", "ADMIN_REQUIRE_OTP", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION}
    environment = {key: value for key, value in os.environ.items() if key not in inherited_out}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "api.example.org"})
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({**PRODUCTION, "DEBUG": "true"}, "DEBUG must be false"),
        ({**PRODUCTION, "WEBHOOK_ALLOW_HTTP": "true"}, "Webhooks go over https only"),
        ({**PRODUCTION, "CACHE_REDIS_URL": ""}, "CACHE_REDIS_URL must name a Redis server of its own"),
        ({**PRODUCTION, "CACHE_REDIS_URL": "redis://127.0.0.1:6379/3"}, "CACHE_REDIS_URL must name a Redis"),
        ({key: value for key, value in PRODUCTION.items() if key != "NUM_PROXIES"}, "NUM_PROXIES must be set"),
        ({**PRODUCTION, "NUM_PROXIES": ""}, "NUM_PROXIES must be set"),
        ({**PRODUCTION, "NUM_PROXIES": "-1"}, "NUM_PROXIES must be 0 or more"),
        # The boolean of earlier versions: "false" (once in .env.example) must not silently turn TOTP off.
        ({**PRODUCTION, "ADMIN_REQUIRE_OTP": "false"}, "ADMIN_REQUIRE_OTP must be one of off, personal-data, all"),
        ({"SECRET_KEY": STRONG_KEY, "LEAD_LOOKUP_KEY": PRODUCTION["LEAD_LOOKUP_KEY"]}, "FIELD_ENCRYPTION_KEYS must"),
        (
            {"SECRET_KEY": STRONG_KEY, "FIELD_ENCRYPTION_KEYS": PRODUCTION["FIELD_ENCRYPTION_KEYS"]},
            "LEAD_LOOKUP_KEY must",
        ),
    ],
)
def test_production_settings_refuse_to_start_with_development_defaults(env, message):
    result = _manage("check", **env)

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(("num_proxies", "expected"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_x_forwarded_proto_is_trusted_only_behind_a_proxy(num_proxies, expected):
    # Without a proxy, X-Forwarded-Proto is whatever the client sends: it must not make a request "secure".
    show = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = _manage("shell", "-c", show, **{**PRODUCTION, "NUM_PROXIES": num_proxies})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize(("configured", "expected"), [(None, "personal-data"), ("off", "off"), ("all", "all")])
def test_production_requires_totp_for_personal_data_unless_explicitly_turned_off(configured, expected):
    env = {**PRODUCTION, **({"ADMIN_REQUIRE_OTP": configured} if configured else {})}
    show = "from django.conf import settings; print(settings.ADMIN_REQUIRE_OTP)"

    result = _manage("shell", "-c", show, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
