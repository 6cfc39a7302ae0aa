"""`make test` refuses to run without PostgreSQL and Redis, and says how to start them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check(database_url: str, redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CI": "true"}
    return subprocess.run(
        [sys.executable, "scripts/check_services.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )


def test_unreachable_services_fail_with_instructions():
    result = _check("postgres://postgres@127.0.0.1:1/corerecovery", "redis://127.0.0.1:1/0")

    assert result.returncode != 0
    assert "PostgreSQL at 127.0.0.1:1 does not answer" in result.stderr
    assert "Redis at 127.0.0.1:1 does not answer" in result.stderr
    assert "docker compose up -d db redis" in result.stderr


def test_reachable_services_pass():
    result = _check(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])

    assert result.returncode == 0, result.stderr
