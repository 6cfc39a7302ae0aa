"""Reading /metrics as Prometheus would: with the bearer token, parsed by prometheus_client's own parser."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import ProgramFactory

TOKEN = "metrics-token-for-tests-0123456789"


class Scrape(dict):
    """(sample name, frozenset of labels) → value, as one scrape saw it."""

    def value(self, name: str, **labels: str) -> float:
        return float(self.get((name, frozenset(labels.items())), 0.0))

    def names(self) -> set[str]:
        return {name for name, _ in self}

    def label_values(self) -> set[str]:
        return {value for _, labels in self for _, value in labels}


def parse(text: str) -> Scrape:
    scrape = Scrape()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            scrape[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return scrape


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.fixture
def scrape(metrics_token):
    client = Client()

    def read() -> Scrape:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
        assert response.status_code == 200, response.status_code
        return parse(response.content.decode())

    return read


@pytest.fixture
def staff_routing(db):
    """The default routing, the `iop` program, and two synthetic staff with email and SMS."""
    from notifications.models import Recipient, StaffGroup
    from notifications.routing_defaults import routing_install

    routing_install()
    ProgramFactory(slug="iop")
    admissions = Recipient.objects.create(
        name="admissions", email="admissions@staff.example", phone="+16025550100", channels=["email", "sms"]
    )
    admissions.groups.add(StaffGroup.objects.get(slug="admissions"))
    on_call = Recipient.objects.create(
        name="on-call", email="oncall@staff.example", phone="+16025550111", channels=["email", "sms"]
    )
    on_call.groups.add(StaffGroup.objects.get(slug="on-call"))


@pytest.fixture
def programs_iop(db):
    return ProgramFactory(slug="iop")
