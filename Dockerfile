# One image runs every process: the API (gunicorn, the default command), the Celery worker and Celery beat.
# docker-compose.yml wires it to PostgreSQL, Redis and Mailpit for a local, production-like stack, behind the
# front door built from the `front` stage below (nginx with this project's configuration and static files).
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    GUNICORN_BIND=0.0.0.0:8000

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
# collectstatic neither signs anything nor touches lead data: throwaway values, as a build argument and inline
# variables, never ENV, so containers never see them.
ARG COLLECTSTATIC_SECRET_KEY=build-time-only-throwaway-key-for-collectstatic-never-used-at-runtime
RUN SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" \
    FIELD_ENCRYPTION_KEYS="YnVpbGQtdGltZS1vbmx5LXRocm93YXdheS1rZXkhISE=" \
    LEAD_LOOKUP_KEY="build-time-only-throwaway-lookup-key-0123456789" \
    NUM_PROXIES=0 \
    python manage.py collectstatic --noinput -v 0

# Editors' images on the filesystem storage (MEDIA_STORAGE_URL empty): the one directory the app may write,
# shared by web and worker through compose's `media` volume, which starts with this ownership.
RUN mkdir /app/media && chown app:app /app/media

USER app

EXPOSE 8000

# Workers, timeouts, worker recycling, no access log: config/gunicorn.py says what each setting is and why.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]

# The front door (deploy/nginx, deploy/README.md): the official nginx image, which renders the server block
# from its template at start, with the static files collected above, which it serves itself.
#   docker build --target front -t corerecovery-front .
FROM nginx:1.30 AS front
ENV NGINX_STATIC_ROOT=/srv/static/
COPY deploy/nginx/templates/ /etc/nginx/templates/
COPY --from=app /app/staticfiles/ /srv/static/

# Built without --target: the application image.
FROM app
