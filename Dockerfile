# One image runs every process: the API (gunicorn, the default command), the Celery worker and Celery beat.
# docker-compose.yml wires it to PostgreSQL, Redis and Mailpit for a local, production-like stack.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

# The processes run unprivileged; the code they run stays owned by root, so they cannot rewrite it.
RUN groupadd --system app \
    && useradd --system --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime dependencies only (requirements-dev.txt stays out). Every pin ships a manylinux wheel and
# psycopg[binary] bundles libpq, so no compiler or system library is installed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# config.settings.production refuses to import without a SECRET_KEY of 50+ characters and real lead keys.
# collectstatic never touches lead data either: throwaway values, as build arguments, never ENV.
# signs anything, so it gets a throwaway key as a build argument: it is not an ENV, so containers never see it.
ARG COLLECTSTATIC_SECRET_KEY=build-time-only-throwaway-key-for-collectstatic-never-used-at-runtime
RUN SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" \
    FIELD_ENCRYPTION_KEYS="YnVpbGQtdGltZS1vbmx5LXRocm93YXdheS1rZXkhISE=" \
    LEAD_LOOKUP_KEY="build-time-only-throwaway-lookup-key-0123456789" \
    NUM_PROXIES=0 \
    python manage.py collectstatic --noinput -v 0

USER app

EXPOSE 8000

# /dev/shm for the worker heartbeat files: /tmp in a container is the overlay filesystem and can stall them.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-tmp-dir", "/dev/shm"]
