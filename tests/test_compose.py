"""docker-compose.yml and the Dockerfile run programs this project has, with variables its settings read.

No Docker engine is needed: the files are parsed and every name they use is looked up in the source tree.
"""

import ast
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")
SERVICES = ("db", "redis", "redis-cache", "mailpit", "nginx", "edge", *APP_SERVICES)
NGINX_DIR = ROOT / "deploy" / "nginx"
NGINX_TEMPLATE = NGINX_DIR / "templates" / "default.conf.template"
NGINX_TLS_TEMPLATE = NGINX_DIR / "tls" / "tls.conf.template"
GUNICORN_CONFIG = "config/gunicorn.py"
# Read by Django or Python themselves rather than by config/settings.
RUNTIME_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"}
# Documented by the postgres image: https://hub.docker.com/_/postgres
POSTGRES_IMAGE_VARIABLES = {
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_HOST_AUTH_METHOD",
    "POSTGRES_INITDB_ARGS",
    "POSTGRES_INITDB_WALDIR",
    "PGDATA",
}
COMPOSE_DEFAULT = re.compile(r"^\$\{(?P<name>\w+):?-(?P<default>[^}]*)\}$")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Replaces tests/conftest.py's cache reset: these tests read files and need neither Redis nor a database."""


def _services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    return compose["services"]


def _environment(service: str) -> dict[str, str]:
    raw = _services()[service].get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {name: str(value) for name, value in raw.items()}


def _value(service: str, name: str) -> str:
    """The variable's value, or the default of a `${NAME:-default}` reference to the host's environment."""
    value = _environment(service)[name]
    match = COMPOSE_DEFAULT.match(value)
    return match["default"] if match else value


def _command_words(service: str) -> list[str]:
    command = _services()[service]["command"]
    if isinstance(command, str):
        return shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        return shlex.split(command[2])
    return list(command)


def _programs(service: str) -> list[list[str]]:
    """Each command of a `a && b` chain, as its words (`exec` dropped)."""
    chains: list[list[str]] = [[]]
    for word in _command_words(service):
        if word == "&&":
            chains.append([])
        elif not (word == "exec" and not chains[-1]):
            chains[-1].append(word)
    return chains


def _health_check(service: str) -> str:
    test = _services()[service]["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def _module_names(path: Path) -> set[str]:
    """The names a Python file assigns at module level."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _requirements() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0].lower())
    return names


def _settings_source() -> str:
    """What reads the environment: Django's settings, and gunicorn's."""
    paths = [*sorted((ROOT / "config" / "settings").glob("*.py")), ROOT / GUNICORN_CONFIG]
    return "\n".join(path.read_text() for path in paths)


def _template_variables(path: Path) -> set[str]:
    """The `${NAME}` variables of a template the nginx image renders with envsubst."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", path.read_text()))


def _nginx_directives(path: Path) -> str:
    """The template without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


def _stage_instructions(stage: str) -> list[tuple[str, str]]:
    """The instructions of one `FROM … AS stage` of the Dockerfile, its FROM included."""
    instructions: list[tuple[str, str]] = []
    current = None
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM":
            current = arguments.split()[-1] if " AS " in arguments.upper() else None
        if current == stage:
            instructions.append((keyword, arguments))
    return instructions


def _dockerfile_instructions() -> list[tuple[str, str]]:
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


@pytest.mark.parametrize("service", SERVICES)
def test_compose_names_every_service_with_a_health_check(service: str) -> None:
    services = _services()
    assert service in services, f"docker-compose.yml has no `{service}` service (it has {sorted(services)})"
    test = services[service].get("healthcheck", {}).get("test")
    assert test, f"`{service}` has no healthcheck.test, so depends_on cannot wait for it to be healthy"
    assert test != ["NONE"], f"`{service}` disables its health check"


def test_app_services_run_one_image_built_from_the_dockerfile() -> None:
    services = _services()
    builds = {
        service: (repr(services[service].get("build")), services[service].get("image")) for service in APP_SERVICES
    }
    assert len(set(builds.values())) == 1, f"web, worker and beat must share one build and image, got {builds}"
    build = services["web"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).is_file(), f"the build names {context}/{dockerfile}, which does not exist"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_wait_for_a_healthy_database_and_redis(service: str) -> None:
    depends_on = _services()[service].get("depends_on", {})
    for dependency in ("db", "redis", "redis-cache"):
        condition = depends_on.get(dependency, {}).get("condition") if isinstance(depends_on, dict) else None
        assert condition == "service_healthy", f"`{service}` starts before `{dependency}` is healthy ({condition=})"


def test_web_migrates_then_serves_the_wsgi_application_config_defines() -> None:
    programs = _programs("web")
    assert programs[0][:3] == ["python", "manage.py", "migrate"], f"web must migrate first, runs {programs[0]}"
    assert (ROOT / "manage.py").is_file(), "web runs manage.py, which does not exist"
    gunicorn = programs[-1]
    assert gunicorn[0] == "gunicorn", f"web must serve with gunicorn, runs {gunicorn}"
    assert gunicorn[-1] == "config.wsgi:application", f"web must serve config.wsgi, runs {gunicorn}"
    assert "application" in _module_names(ROOT / "config" / "wsgi.py"), "config/wsgi.py defines no `application`"


def test_gunicorn_runs_with_the_projects_settings_file_in_compose_and_the_image() -> None:
    image_command = next(arguments for keyword, arguments in reversed(_dockerfile_instructions()) if keyword == "CMD")
    for command in (" ".join(_programs("web")[-1]), image_command):
        assert re.search(rf"-c\W+{re.escape(GUNICORN_CONFIG)}", command), f"gunicorn runs without -c config: {command}"
    assert (ROOT / GUNICORN_CONFIG).is_file()
    names = _module_names(ROOT / GUNICORN_CONFIG)
    needed = {"bind", "workers", "timeout", "keepalive", "max_requests", "max_requests_jitter", "accesslog"}
    assert needed <= names, f"{GUNICORN_CONFIG} does not set {sorted(needed - names)}"


@pytest.mark.parametrize(("service", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_services_run_the_app_config_defines(service: str, subcommand: str) -> None:
    words = _programs(service)[0]
    assert words[:3] == ["celery", "-A", "config"], f"`{service}` must run `celery -A config`, runs {words}"
    assert subcommand in words, f"`{service}` must run `celery {subcommand}`, runs {words}"
    assert "app" in _module_names(ROOT / "config" / "celery.py"), "config/celery.py defines no Celery `app`"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_program_the_app_services_run_is_installed(service: str) -> None:
    installed = _requirements() | {"python"}
    for program in _programs(service):
        assert program[0] in installed, f"`{service}` runs {program[0]}, which requirements.txt does not install"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(service: str) -> None:
    source = _settings_source()
    unread = [name for name in _environment(service) if name not in RUNTIME_VARIABLES and f'"{name}"' not in source]
    assert not unread, f"`{service}` sets {unread}, which config/settings never reads: they would do nothing"


def test_database_service_sets_only_variables_the_postgres_image_documents() -> None:
    unknown = set(_environment("db")) - POSTGRES_IMAGE_VARIABLES
    assert not unknown, f"db sets {sorted(unknown)}, which the postgres image does not document"


def test_app_services_reach_the_compose_database_and_redis() -> None:
    database = urlparse(_value("web", "DATABASE_URL"))
    assert (database.hostname, database.port or 5432) == ("db", 5432), f"DATABASE_URL points at {database.netloc}"
    assert database.path.lstrip("/") == _value("db", "POSTGRES_DB"), "DATABASE_URL names another database"
    assert database.username == _value("db", "POSTGRES_USER"), "DATABASE_URL logs in as another user"
    redis = urlparse(_value("web", "REDIS_URL"))
    assert redis.hostname == "redis", f"REDIS_URL points at {redis.netloc}, not the `redis` service"
    cache = urlparse(_value("web", "CACHE_REDIS_URL"))
    assert cache.hostname == "redis-cache", f"CACHE_REDIS_URL points at {cache.netloc}, not `redis-cache`"


def redis_server_flags(service: str) -> dict[str, str]:
    """The `--name value` options a compose Redis service starts redis-server with."""
    words = _services()[service]["command"]
    assert words[0] == "redis-server", f"`{service}` runs {words[0]}, not redis-server"
    return {name.removeprefix("--"): value for name, value in zip(words[1::2], words[2::2], strict=True)}


def test_the_broker_redis_never_evicts_and_the_cache_redis_is_bounded_and_evicts() -> None:
    assert redis_server_flags("redis")["maxmemory-policy"] == "noeviction"
    cache = redis_server_flags("redis-cache")
    assert cache["maxmemory-policy"] == "allkeys-lru"
    assert cache["maxmemory"].endswith(("mb", "gb")), "the response cache needs a memory bound"


def test_app_services_run_production_settings_with_a_key_they_accept() -> None:
    assert _value("web", "DJANGO_SETTINGS_MODULE") == "config.settings.production"
    assert _value("web", "DEBUG").lower() == "false", "production settings refuse DEBUG=true"
    secret_key = _value("web", "SECRET_KEY")
    base = (ROOT / "config" / "settings" / "base.py").read_text()
    assert f'"{secret_key}"' not in base, "the compose SECRET_KEY is the development default, which production refuses"
    assert len(secret_key) >= 50, f"production settings refuse a SECRET_KEY of {len(secret_key)} characters (< 50)"


@pytest.mark.parametrize("service", ["web", "nginx"])
def test_health_checks_request_readyz_on_an_allowed_host(service: str) -> None:
    check = _health_check(service)
    if service == "web":
        assert "curl" not in check, "python:3.11-slim has no curl"
    found = re.search(r"http://[^'\" ]+", check)
    assert found, f"{service}'s health check requests no http:// URL: {check}"
    url = urlparse(found[0])
    assert url.path == "/readyz", f"{service}'s health check requests {url.path}, not /readyz"
    assert 'path("readyz"' in (ROOT / "config" / "urls.py").read_text(), "config/urls.py routes no readyz"
    hosts = _value("web", "ALLOWED_HOSTS").split(",")
    assert url.hostname in hosts, f"Django answers 400 to Host {url.hostname}: ALLOWED_HOSTS is {hosts}"


def test_web_health_check_passes_over_plain_http() -> None:
    assert _value("web", "SECURE_SSL_REDIRECT").lower() == "false", "compose serves HTTP: turn off the redirect"


def test_worker_health_check_pings_the_celery_worker() -> None:
    check = _health_check("worker")
    assert "celery -A config inspect ping" in check, f"worker's health check does not ping the worker: {check}"


def test_email_goes_to_the_console_or_to_mailpit() -> None:
    backend = _value("worker", "EMAIL_BACKEND")
    if backend.endswith(".console.EmailBackend"):
        return
    environment = _environment("worker")
    assert backend.endswith(".smtp.EmailBackend"), f"unexpected EMAIL_BACKEND {backend}"
    assert (environment.get("EMAIL_HOST"), environment.get("EMAIL_PORT")) == ("mailpit", "1025")


def test_dockerfile_installs_the_runtime_requirements_only() -> None:
    runs = " ".join(arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN")
    assert "pip install -r requirements.txt" in runs, "the Dockerfile does not install requirements.txt"
    assert "requirements-dev.txt" not in runs, "the image must not install the test and lint tools"


def test_dockerfile_serves_config_wsgi_by_default() -> None:
    commands = [arguments for keyword, arguments in _dockerfile_instructions() if keyword in {"CMD", "ENTRYPOINT"}]
    assert commands, "the Dockerfile has no CMD or ENTRYPOINT"
    assert "config.wsgi:application" in commands[-1], f"the image's default command is {commands[-1]}"


def test_dockerfile_runs_as_a_non_root_user_with_production_settings() -> None:
    instructions = _dockerfile_instructions()
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image runs as root: add a USER"
    assert users[-1] not in {"root", "0"}, f"the image runs as {users[-1]}"
    environment = " ".join(arguments for keyword, arguments in instructions if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in environment


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    missing = {".venv", ".git", "db.sqlite3", "staticfiles"} - ignored
    assert not missing, f".dockerignore does not exclude {sorted(missing)}"


def test_app_services_count_nginx_as_the_one_proxy_in_front() -> None:
    # Production settings refuse to start without NUM_PROXIES; nginx appends the one entry Django trusts.
    for service in APP_SERVICES:
        assert _value(service, "NUM_PROXIES") == "1", f"{service}: nginx is in front, NUM_PROXIES must be 1"
    directives = _nginx_directives(NGINX_TEMPLATE)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in directives
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in directives


def test_only_nginx_is_published_to_clients() -> None:
    services = _services()
    published = {name for name, service in services.items() if service.get("ports")}
    assert "nginx" in published
    assert not published & set(APP_SERVICES), f"{sorted(published & set(APP_SERVICES))} bypass nginx"


def test_nginx_is_the_official_image_with_the_front_stage_of_the_dockerfile() -> None:
    build = _services()["nginx"]["build"]
    assert build.get("target") == "front", "nginx must build the Dockerfile's `front` stage"
    stage = _stage_instructions("front")
    assert stage, "the Dockerfile has no `front` stage"
    assert re.match(r"nginx:\d", stage[0][1]), f"the front stage is not built on the official image: {stage[0][1]}"
    copies = " ".join(arguments for keyword, arguments in stage if keyword == "COPY")
    assert "deploy/nginx/templates/ /etc/nginx/templates/" in copies, "the template is not where the image renders"
    assert "--from=app /app/staticfiles/" in copies, "the static files collected in the app stage are not copied"
    for service in APP_SERVICES:
        assert _services()[service]["build"].get("target") == "app", f"{service} must build the app stage"


def test_nginx_sets_every_variable_its_templates_use() -> None:
    image = " ".join(arguments for keyword, arguments in _stage_instructions("front") if keyword == "ENV")
    given = set(_environment("nginx")) | set(re.findall(r"([A-Z][A-Z0-9_]*)=", image))
    for template in (NGINX_TEMPLATE, NGINX_TLS_TEMPLATE):
        used = _template_variables(template)
        assert used, f"{template.name} uses no variable"
        assert used <= given, f"{template.name} uses {sorted(used - given)}, which nothing sets: envsubst leaves them"
    assert {"API_UPSTREAM", "NGINX_PORT"} <= _template_variables(NGINX_TEMPLATE)


def test_nginx_reaches_web_where_gunicorn_listens_and_waits_for_it_to_be_ready() -> None:
    upstream = urlparse(f"//{_value('nginx', 'API_UPSTREAM')}")
    image = " ".join(arguments for keyword, arguments in _stage_instructions("app") if keyword == "ENV")
    bind = re.search(r"GUNICORN_BIND=(\S+)", image)
    assert bind, "the app image does not say where gunicorn listens (GUNICORN_BIND)"
    assert upstream.hostname == "web"
    port = urlparse(f"//{bind[1]}").port
    assert upstream.port == port, f"nginx proxies to {upstream.netloc}, gunicorn binds {bind[1]}"
    condition = _services()["nginx"]["depends_on"]["web"]["condition"]
    assert condition == "service_healthy", "nginx would start before gunicorn answers"


def test_nginx_mounts_files_that_exist_and_runs_tls_with_a_certificate_compose_writes() -> None:
    services = _services()
    for volume in services["nginx"]["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            assert (ROOT / source).is_file(), f"nginx mounts {source}, which does not exist"
            assert target.startswith("/etc/nginx/templates/"), f"{source} is not mounted where the image renders"
    environment = _environment("nginx")
    certificates = services["certificates"]
    written = certificates["volumes"][0].split(":")[1]
    script = _programs("certificates")[0]
    assert (ROOT / script[1]).is_file(), f"certificates runs {script[1]}, which does not exist"
    assert script[2] == written
    for name in ("NGINX_TLS_CERTIFICATE", "NGINX_TLS_CERTIFICATE_KEY"):
        assert environment[name].startswith("/etc/nginx/tls/")
    condition = services["nginx"]["depends_on"]["certificates"]["condition"]
    assert condition == "service_completed_successfully"


def test_nginx_limits_api_bodies_as_the_app_does_and_compresses_nothing_it_proxies() -> None:
    base = (ROOT / "config" / "settings" / "base.py").read_text()
    default = re.search(r'env_int\("API_MAX_BODY_BYTES", ([0-9 *]+)\)', base)
    assert default, "API_MAX_BODY_BYTES has no default in config/settings/base.py"
    directives = _nginx_directives(NGINX_TEMPLATE)
    api = re.search(r"location /api/ \{(.*?)\}", directives, re.DOTALL)
    assert api, "the template has no location for /api/"
    limit = re.search(r"client_max_body_size (\d+)([km]?);", api[1])
    assert limit, "no client_max_body_size for /api/"
    size = int(limit[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[limit[2]]
    assert size == eval(default[1], {"__builtins__": {}}), "nginx and the app disagree on the API's body limit"
    assert re.search(r"^\s*gzip off;", directives, re.MULTILINE)
    assert not re.search(r"^\s*gzip on;", directives, re.MULTILINE), "nginx would compress what the app sends"
    for directive in ("proxy_request_buffering on;", "proxy_buffering on;", "client_body_timeout", "limit_conn "):
        assert directive in directives, f"the template lacks {directive}"


def test_dockerfile_collectstatic_gives_production_settings_what_they_require() -> None:
    runs = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]
    collectstatic = next(run for run in runs if "collectstatic" in run)
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "LEAD_LOOKUP_KEY", "NUM_PROXIES"):
        assert f"{name}=" in collectstatic, f"collectstatic runs production settings without {name}"


VARNISH_DIR = ROOT / "deploy" / "varnish"


def test_the_edge_is_optional_and_runs_the_shipped_vcl_in_front_of_nginx() -> None:
    edge = _services()["edge"]
    assert edge.get("profiles") == ["edge"], "the edge must not start unless asked for (`--profile edge`)"
    assert edge["image"].startswith("varnish:7."), "the official image ships varnish-modules (xkey) since 7.1"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in edge["volumes"]}
    assert (ROOT / mounts["/srv/varnish"]).resolve() == VARNISH_DIR
    assert "/srv/varnish/configure.sh" in " ".join(edge["entrypoint"])
    assert (VARNISH_DIR / "configure.sh").is_file()
    assert (VARNISH_DIR / "default.vcl").is_file()
    environment = _environment("edge")
    origin = (environment["EDGE_ORIGIN_HOST"], environment["EDGE_ORIGIN_PORT"])
    assert origin == ("nginx", _value("nginx", "NGINX_PORT"))
    assert set(environment["EDGE_PURGERS"].split()) >= set(APP_SERVICES), "the app's hosts must be able to purge"
    assert edge["depends_on"]["nginx"]["condition"] == "service_healthy"
    assert edge["healthcheck"]["test"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_purge_the_edge_where_it_listens(service: str) -> None:
    edge_port = _services()["edge"]["entrypoint"][-1].split("-a :")[1].split()[0]
    assert _value(service, "EDGE_VARNISH_URL") == f"http://edge:{edge_port}"
    assert _value(service, "EDGE_BACKEND") == "none", "off unless the edge runs (EDGE_BACKEND=varnish with it)"
