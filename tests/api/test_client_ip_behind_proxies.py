"""Behind NUM_PROXIES trusted proxies, the throttles, the sign-in lockout and idempotency see the same client."""

import logging

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from config import client_ip as client_ip_module
from config.client_ip import client_ip
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body

PROXY = "10.0.0.2"  # the one nginx every request arrives from
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"
PASSWORD = "a-long-staff-password-1"


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def via_proxy(client_address: str) -> dict[str, str]:
    # What nginx sends on: its own address as the peer, the client's appended to whatever the client sent.
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.99, {client_address}"}


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        (0, None, "192.0.2.1"),
        (0, "203.0.113.10", "192.0.2.1"),  # no proxy trusted: the header is the client's word, ignored
        (1, None, "192.0.2.1"),
        (1, "203.0.113.10", "203.0.113.10"),
        (1, "6.6.6.6, 203.0.113.10", "203.0.113.10"),  # what the client wrote itself stays unread
        (2, "6.6.6.6, 203.0.113.10, 10.0.0.3", "203.0.113.10"),  # CDN, then nginx
        (2, "203.0.113.10", "203.0.113.10"),  # fewer entries than proxies: the leftmost
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_throttles_axes_and_idempotency_read_the_same_address(settings, num_proxies, forwarded_for, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **headers)

    assert client_ip(request) == expected
    assert BaseThrottle().get_ident(request) == expected  # what the throttles count
    assert get_client_ip_address(request) == expected  # what axes counts


@pytest.mark.parametrize("forwarded_for", ["not-an-address", "203.0.113.10:4431", "fe80::1%eth0", ""])
def test_an_entry_that_is_no_address_falls_back_to_the_peer(settings, forwarded_for):
    # A proxy count larger than the real one lets clients write the entry; axes keeps addresses in an inet column.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == PROXY


@pytest.mark.django_db
def test_behind_one_proxy_the_contact_form_throttle_counts_each_client_apart(
    api_client, settings, behind_one_proxy, steady_throttle_window
):
    ProgramFactory(slug="iop")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "leads": "2/hour"}}  # fmt: skip

    def send(address: str, n: int) -> int:
        body = lead_body(email=f"p{n}@example.org")
        return api_client.post("/api/v1/leads/", body, format="json", **via_proxy(address)).status_code

    first_client = [send(CLIENT_A, n) for n in range(3)]
    second_client = send(CLIENT_B, 3)

    assert first_client == [201, 201, 429]
    assert second_client == 201


@pytest.mark.django_db
def test_behind_one_proxy_axes_locks_out_one_clients_address_and_not_the_others(
    client, django_user_model, settings, behind_one_proxy
):
    settings.AXES_FAILURE_LIMIT = 3  # below the per-account slowing (SIGN_IN_SLOWDOWN_AFTER), to see axes alone
    django_user_model.objects.create_user("staffer", password=PASSWORD, is_staff=True)
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": "staffer", "password": "wrong-password"}, **via_proxy(CLIENT_A))

    locked = client.post(url, {"username": "staffer", "password": PASSWORD}, **via_proxy(CLIENT_A))
    other = client.post(url, {"username": "staffer", "password": PASSWORD}, **via_proxy(CLIENT_B))

    assert locked.status_code == 429
    assert other.status_code == 302  # signed in
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_forwarded_for_header_without_trusted_proxies_is_warned_about_once_without_addresses(client, caplog):
    client_ip_module.forwarded_without_proxies_warned.reset()
    with caplog.at_level(logging.WARNING, logger="config.client_ip"):
        for _ in range(3):
            client.get("/healthz", HTTP_X_FORWARDED_FOR=CLIENT_A, REMOTE_ADDR=PROXY)
        client.get("/healthz")

    warnings = [record for record in caplog.records if record.name == "config.client_ip"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "NUM_PROXIES" in warnings[0].getMessage()
    assert CLIENT_A not in warnings[0].getMessage()
    assert PROXY not in warnings[0].getMessage()


@pytest.mark.django_db
def test_with_trusted_proxies_a_forwarded_for_header_is_not_warned_about(client, caplog, behind_one_proxy):
    client_ip_module.forwarded_without_proxies_warned.reset()
    with caplog.at_level(logging.WARNING, logger="config.client_ip"):
        client.get("/healthz", **via_proxy(CLIENT_A))

    assert not [record for record in caplog.records if record.name == "config.client_ip"]
