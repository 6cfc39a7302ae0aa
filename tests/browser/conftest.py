"""Pages for people, tested as people use them: Debian's Chromium driven by Playwright against a live server.

No browser is downloaded: Playwright launches the system's Chromium (`CHROMIUM`, default /usr/bin/chromium,
which `.ci/run` installs with apt-get when missing). Every page a test opens can be scanned with axe-core
(`axe_violations`), self-served from tools/browser (npm), never from a CDN. Screenshots and failure traces land
in `test-artifacts/` (kept by CI, ignored by git).
"""

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.servers import ROOT

# Playwright's sync API runs an event loop in this thread; the test body still talks to the database through
# Django's ORM between page actions, which Django refuses inside a running loop unless told it is safe (it is:
# the ORM runs synchronously, in this thread, never concurrently with the loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE_SCRIPT = ROOT / "tools" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery staple"  # synthetic test users only
# What axe calls serious or critical fails a test.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it), or set CHROMIUM")
    # The machine's network is closed: without the background-networking flags Chromium keeps trying to reach
    # Google's hosts at start.
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-US", "timezone_id": "America/Phoenix"}


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def axe_violations(page: Any, *, impacts: set[str] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts (serious and critical by default)."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: `make install` runs npm ci in tools/browser")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script> tag: the pages' CSP allows no script that is not theirs.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe found on {page.url}: {violations}"


def sign_in(page: Any, live_server: Any, *, username: str, next_path: str) -> None:
    """Sign in through the admin's own login form, as a person does, and land on `next_path`."""
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{next_path}*")


@pytest.fixture
def superuser(transactional_db: None) -> Any:
    return get_user_model().objects.create_superuser("admin", "admin@corerecovery.example", PASSWORD)


@pytest.fixture
def admin_page(page: Any, live_server: Any, superuser: Any) -> Any:
    """A page signed in to the admin as a superuser."""
    sign_in(page, live_server, username=superuser.username, next_path="/admin/")
    return page
