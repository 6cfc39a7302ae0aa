"""Servers on 127.0.0.1 for tests: the project in a real gunicorn process, nginx with the shipped
configuration in front of it, and a Redis that hangs."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str], *, timeout: float = 20.0, port: int | None = None, shipped: bool = False
) -> Iterator[str]:
    """Serve the project with `env` added to the environment, on `port` (default: a free one); yields the
    base URL. A port known beforehand can go into ADMIN_BASE_URL (message links, Twilio's StatusCallback).
    One worker; or with `shipped`, as the image runs it: config/gunicorn.py (GUNICORN_WORKERS in `env`)."""
    port = port or free_port()
    if shipped:
        options = ["-c", "config/gunicorn.py"]
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    else:
        options = ["-w", "1", "-b", f"127.0.0.1:{port}"]
    # The log goes to a file: a pipe nobody reads stalls a chatty server, and reading it blocks until exit.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *options, "config.wsgi:application"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{base_url}/healthz", timeout=1).close()
                    break
                except OSError as exc:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        errors = log.read().decode(errors="replace")[-2000:]
                        raise RuntimeError(f"gunicorn did not start: {errors}") from exc
                    time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=10)


class HungRedis:
    """A server on 127.0.0.1 that accepts connections and never answers: a Redis that hangs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def caches_on(redis_url: str) -> dict[str, dict[str, object]]:
    """CACHES for the project's Redis caches (state and responses) on `redis_url`, with short timeouts (tests
    of a failing Redis)."""
    cache: dict[str, object] = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": redis_url,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    return {"default": cache, "responses": cache}


def nginx_binary() -> str:
    """Debian's nginx (.ci/run installs it): on PATH, or in /usr/sbin, which a non-root PATH often lacks."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("nginx is not installed: `apt-get install nginx-light` (.ci/run does it)")
    return found


def nginx_version(binary: str) -> tuple[int, ...]:
    shown = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", shown)
    assert found, shown
    return tuple(int(part) for part in found.groups())


def render_template(template: Path, variables: dict[str, str]) -> str:
    """The template as the official nginx image renders it: envsubst of the variables it is given (and only
    those: nginx's own `$host` and the like stay). A `${NAME}` nothing gave is an error here, not an nginx
    configuration that fails later."""
    text = template.read_text()
    for name, value in variables.items():
        text = text.replace("${" + name + "}", value)
    left = re.findall(r"\$\{[A-Z][A-Z0-9_]*\}", text)
    assert not left, f"{template.name}: nothing sets {left}"
    return text


# The main configuration of the official image (/etc/nginx/nginx.conf), with this prefix's paths: the server
# block under test is included inside its http block, as there.
_MAIN_CONF = """
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include conf.d/*.conf;
}}
"""


@dataclass
class Front:
    """A running nginx: where it serves plain HTTP and, with TLS, HTTPS."""

    url: str
    tls_port: int | None
    prefix: Path


@contextmanager
def nginx(upstream: str, *, tls: Path | None = None, static: dict[str, bytes] | None = None) -> Iterator[Front]:
    """nginx on free ports of 127.0.0.1, with deploy/nginx's template rendered as the image renders it, in
    front of `upstream` (host:port). `tls`: a directory holding certificate.pem and key.pem, to include
    deploy/nginx/tls too. `static`: files (path → bytes) under NGINX_STATIC_ROOT. Started as its own process
    with a prefix of its own, never the system's nginx; stopped at exit."""
    binary = nginx_binary()
    port = free_port()
    tls_port = free_port() if tls else None
    with tempfile.TemporaryDirectory(prefix="corerecovery-nginx-") as directory:
        prefix = Path(directory)
        # nginx's workers run as an unprivileged user when the tests run as root: they read from here.
        prefix.chmod(0o755)
        static_root = prefix / "static"
        for name, content in (static or {}).items():
            path = static_root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        static_root.mkdir(exist_ok=True)
        for sub in ("conf.d/tls", "logs", "temp"):
            (prefix / sub).mkdir(parents=True)
        variables = {
            "API_UPSTREAM": upstream,
            "NGINX_PORT": f"127.0.0.1:{port}",
            "NGINX_STATIC_ROOT": f"{static_root}/",
        }
        (prefix / "conf.d" / "default.conf").write_text(
            render_template(NGINX_DIR / "templates" / "default.conf.template", variables)
        )
        if tls:
            tls_conf = render_template(
                NGINX_DIR / "tls" / "tls.conf.template",
                {
                    "NGINX_TLS_PORT": f"127.0.0.1:{tls_port}",
                    "NGINX_TLS_CERTIFICATE": str(tls / "certificate.pem"),
                    "NGINX_TLS_CERTIFICATE_KEY": str(tls / "key.pem"),
                },
            )
            if nginx_version(binary) < (1, 25, 1):
                # Debian 12's nginx predates the `http2` directive (1.25.1): HTTP/2 was a `listen` parameter.
                tls_conf = tls_conf.replace("http2 on;\n", "").replace(" ssl;", " ssl http2;", 1)
            (prefix / "conf.d" / "tls" / "tls.conf").write_text(tls_conf)
        mime_types = Path("/etc/nginx/mime.types")
        types = f"include {mime_types};" if mime_types.is_file() else "types { text/css css; }"
        (prefix / "nginx.conf").write_text(_MAIN_CONF.format(types=types, prefix=prefix))
        log = (prefix / "logs" / "stderr.log").open("wb")
        directives = f"daemon off; pid {prefix}/nginx.pid; error_log stderr;"
        command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr", "-g", directives]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError as exc:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.flush()
                        errors = (prefix / "logs" / "stderr.log").read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"nginx did not start: {errors}") from exc
                    time.sleep(0.05)
            yield Front(url=f"http://127.0.0.1:{port}", tls_port=tls_port, prefix=prefix)
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
