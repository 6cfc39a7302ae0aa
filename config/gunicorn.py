"""gunicorn's settings (https://docs.gunicorn.org/en/stable/settings.html), read from the environment at start.

    gunicorn -c config/gunicorn.py config.wsgi:application

gunicorn serves behind nginx (deploy/nginx), which reads each request whole before passing it on and takes
each response at once: a worker only ever talks to nginx over a fast private link, so sync workers, one
request at a time each, are not held by slow clients. Exposed to clients directly, they would be (issue 16).
Command-line options and GUNICORN_CMD_ARGS win over this file (the tests shorten the timeout that way).
"""

import os

from config.env import env_int, env_str

# Inside a container gunicorn listens on every interface of its private network (the Dockerfile sets
# 0.0.0.0:8000); elsewhere loopback, so that only nginx on the same host reaches it.
bind = [env_str("GUNICORN_BIND", "127.0.0.1:8000")]


def _cpus() -> int:
    # The CPUs this process may run on (a container's cpuset), not every CPU of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# gunicorn's rule of thumb for sync workers, 2 per CPU plus 1, at most 8: each worker holds a PostgreSQL
# connection (CONN_MAX_AGE) and about 100 MB, and the database is shared with the Celery worker.
workers = env_int("GUNICORN_WORKERS", min(2 * _cpus() + 1, 8))
# Threads per worker. 1: sync workers, which close each connection after its response. More: gthread workers,
# which also keep nginx's connections open between requests (keepalive below), at some cost per request.
threads = env_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# A request still running after this many seconds has its worker killed and restarted (nginx answers 502). A
# cold page renders in well under a second; only a stuck dependency gets near this.
timeout = 30
# On SIGTERM, requests in progress get this long to finish: less than the 10 s Docker waits before SIGKILL.
graceful_timeout = 8
# Seconds an idle connection from nginx stays open (gthread workers only): longer than nginx's own 4 s
# (keepalive_timeout in the upstream block), so it is always nginx that closes, never a request in flight.
keepalive = 5
# Each worker is replaced after about this many requests (the jitter spreads the restarts, so the workers
# never restart together): memory that a long-lived process slowly accumulates is given back.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files: in memory, as a container's /tmp is an overlay filesystem that can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108  (tmpfs, the process's own)
# No access log: it would record every client's address with the URLs they read (docs/security.md). Errors
# (a worker killed by the timeout, a failed start) go to stderr.
accesslog = None
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "info").lower()
# gunicorn's own lines (a worker started, killed by the timeout) in the app's format: one JSON object per line
# in production (LOG_FORMAT, ops/logs.py).
_production = env_str("DJANGO_SETTINGS_MODULE").endswith(".production")
if env_str("LOG_FORMAT", "json" if _production else "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ops.logs.JsonFormatter"}},
        "filters": {"context": {"()": "ops.logs.ContextFilter"}},
        "handlers": {
            "error_console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]},
            "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]},
        },
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False}},
    }


def child_exit(server: object, worker: object) -> None:
    """A worker gone: its live gauges leave /metrics's sums (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
