"""Say clearly whether PostgreSQL and Redis (the test suite's real dependencies) answer; never skip silently."""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis
from psycopg import sql

HOW_TO_START = """\
Start them with `docker compose up -d db redis`, or on a machine with the servers installed:
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no"""


def _check_postgres(url: str) -> str | None:
    """Check the server answers, and create the project's database if it is missing."""
    parsed = urlparse(url)
    admin_url = parsed._replace(path="/postgres").geturl()
    name = parsed.path.lstrip("/")
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} does not answer ({type(exc).__name__})."
    return None


def _check_redis(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        parsed = urlparse(url)
        return f"Redis at {parsed.hostname}:{parsed.port or 6379} does not answer ({type(exc).__name__})."
    finally:
        client.close()
    return None


def main() -> int:
    problems = [
        problem
        for problem in (_check_postgres(os.environ["DATABASE_URL"]), _check_redis(os.environ["REDIS_URL"]))
        if problem
    ]
    if not problems:
        return 0
    for problem in problems:
        print(problem, file=sys.stderr)
    print(HOW_TO_START, file=sys.stderr)
    print("The test suite needs both and does not run without them.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
