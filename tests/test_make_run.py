"""What `make run` does for a newcomer, read from the Makefile without running the server."""

import subprocess

from tests.servers import ROOT


def _dry_run(*arguments: str) -> str:
    result = subprocess.run(["make", "-n", "run", *arguments], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout


def test_links_in_messages_follow_the_port_make_run_serves_on():
    commands = _dry_run("PORT=8123")

    assert "export ADMIN_BASE_URL=${ADMIN_BASE_URL:-http://127.0.0.1:8123};" in commands
    assert "manage.py run_periodic &" in commands  # the escalations' links too
    assert "runserver 127.0.0.1:8123" in commands


def test_make_run_installs_the_staff_roles():
    assert "manage.py seed_roles" in _dry_run()


def test_make_run_brings_the_dashboard_roll_up_up_to_date_after_migrating():
    commands = _dry_run()
    # Migration 0008 marks every day with leads; the command rebuilds them before the server answers.
    assert commands.index("manage.py migrate") < commands.index("manage.py dashboard_rollup") < commands.index(
        "runserver")  # fmt: skip
