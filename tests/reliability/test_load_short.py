"""A short run of bench/load.py: mixed load while the private Redis restarts and the worker is SIGKILLed.

The benchmark runs in a child process on its own throw-away database (`corerecovery_load_short`, dropped
afterwards) and its own redis-server on a free port: never the shared Redis. It stops every process it
started itself, on success, on failure and on SIGTERM (sent here if it overruns). It exits non-zero on a
lost or doubled lead, a missing message, or a duplicate message beyond the documented at-least-once window
(a worker killed between the provider's acceptance and the commit; see test_worker_killed.py).
"""

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.integration

DB_NAME = "corerecovery_load_short"
TIMEOUT = 150


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_short_load_with_a_redis_restart_and_a_worker_kill_loses_and_doubles_nothing(tmp_path: Path) -> None:
    output = tmp_path / "load.json"
    command = [
        *(sys.executable, str(ROOT / "bench" / "load.py"), "--duration", "8", "--concurrency", "8"),
        *("--max-submissions", "150", "--settle-timeout", "40", "--db", DB_NAME, "--output", str(output)),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the benchmark stops its servers, worker and redis-server
        try:
            log, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            log, _ = process.communicate()
        pytest.fail(f"bench/load.py overran {TIMEOUT}s:\n{log[-4000:]}")
    finally:
        drop_database(DB_NAME)

    # The verdict, not the flood of warnings a Redis restart causes by design.
    assert process.returncode == 0, "\n".join(line for line in log.splitlines() if " WARNING " not in line)[-4000:]
    result = json.loads(output.read_text())
    check, load = result["check"], result["load"]
    assert [what for _, what in load["events"]][:2] == ["redis stopped", "redis started"]
    assert any("SIGKILLed" in what for _, what in load["events"])
    assert check["ok"]
    assert result["settle"]["settled"]
    assert check["leads_returned"] > 0  # how many depends on the machine; that each is whole, on `check`
    assert check["replays"] > 0
    assert check["lost_leads"] == []
    assert check["doubled_leads"] == []
    assert check["replay_mismatches"] == 0
    assert set(check["notification_statuses"]) <= {"sent", "delivered"}
    assert check["messages_missing"] == []
    assert check["messages_unexpected"] == []
    duplicates = check["at_least_once_duplicates"]
    assert duplicates["count"] <= duplicates["kills"] * duplicates["worker_concurrency"]
    # Submissions still get their 201 while Redis is down: no submission error at all.
    for kind in ("lead", "referral", "lead_replay", "referral_replay"):
        assert load["kinds"][kind]["errors"] == 0, (kind, load["kinds"][kind]["error_kinds"])
