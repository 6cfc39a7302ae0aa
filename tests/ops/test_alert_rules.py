"""The alert rules read metrics the app really exports: every name in deploy/prometheus/alerts.yml, in the series
of its promtool tests and in the Grafana dashboard is in a scrape of /metrics after leads, their messages and a
sweep went through. (promtool itself checks and tests the rules in `make lint`.)"""

import json
import re
from pathlib import Path

import pytest
import yaml

from notifications import tasks
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMQL_WORDS = {"sum", "max", "min", "by", "rate", "increase", "time", "absent", "histogram_quantile", "unless",
                "or", "and", "without", "on", "ignoring", "bool", "avg", "count"}  # fmt: skip


def metric_names_in(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(?:by|without)\s*\([^)]*\)", " ", expr)
    return {word for word in re.findall(r"\b[a-z_][a-z0-9_]*\b", expr) if word not in PROMQL_WORDS}


def test_every_metric_the_rules_and_their_tests_name_is_exported(
    api_client, staff_routing, scrape, django_capture_on_commit_callbacks
):
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    used = set().union(*(metric_names_in(rule["expr"]) for group in rules["groups"] for rule in group["rules"]))
    rule_tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())
    series = {item["series"].split("{")[0] for test in rule_tests["tests"] for item in test["input_series"]}
    dashboard = json.loads((PROMETHEUS.parent / "grafana" / "leads.json").read_text())
    charted = set().union(*(metric_names_in(t["expr"]) for panel in dashboard["panels"] for t in panel["targets"]))
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post("/api/v1/leads/", lead_body(), format="json").status_code == 201
    tasks.sweep.delay().get()

    exported = scrape().names()

    assert len(used) >= 10
    assert sorted(used - exported) == []
    assert sorted(series - exported) == []
    assert sorted(charted - exported) == []
