"""CORS for the embeddable form follows the publishable keys' origins; its referrals are throttled per key and IP."""

import pytest

from leads.models import Lead
from partners.models import ClientAPIKey
from partners.selectors import publishable_origins_forget
from partners.services import api_key_issue
from tests.embed.conftest import ORIGIN, OTHER_ORIGIN, URL, send

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def rates(settings, **changed: str) -> None:
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **changed}}


def preflight(client, origin: str, path: str = URL):
    return client.options(
        path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key, turnstile-token",
    )  # fmt: skip


def test_a_preflight_from_a_publishable_keys_origin_is_answered(client, publishable, settings):
    settings.CORS_ALLOWED_ORIGINS = []  # the global list has nothing to do with it

    response = preflight(client, ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {name.strip() for name in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "turnstile-token"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_a_preflight_from_another_origin_is_not(client, publishable):
    response = preflight(client, OTHER_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


def test_a_keys_origin_opens_the_referral_endpoint_only(client, publishable):
    # The content API and a referral's detail stay to the global list: a partner's page needs neither.
    assert "Access-Control-Allow-Origin" not in preflight(client, ORIGIN, "/api/v1/programs/")
    assert "Access-Control-Allow-Origin" not in preflight(client, ORIGIN, "/api/v1/referrals/L-7F3K9Q/")


def test_a_revoked_keys_origin_is_no_longer_answered(client, publishable):
    assert preflight(client, ORIGIN).has_header("Access-Control-Allow-Origin")

    # As the admin revokes it (partners/admin.py forgets the cached set).
    api_key = publishable.api_key
    api_key.revoked = True
    api_key.save()
    publishable_origins_forget()

    assert "Access-Control-Allow-Origin" not in preflight(client, ORIGIN)


def test_a_new_keys_origin_is_answered_at_once(client, publishable):
    assert "Access-Control-Allow-Origin" not in preflight(client, OTHER_ORIGIN)  # now cached without it
    api_key_issue(name="Second site", partner=publishable.partner, scopes=[], publishable=True,
                  allowed_origins=[OTHER_ORIGIN])  # fmt: skip

    assert preflight(client, OTHER_ORIGIN)["Access-Control-Allow-Origin"] == OTHER_ORIGIN


def test_the_referral_itself_is_answered_without_reading_the_origin_set(api_client, programs, publishable,
                                                                          monkeypatch):  # fmt: skip
    def unreadable():
        raise AssertionError("the set of origins was read for a referral that carries its key")

    monkeypatch.setattr("api.cors.publishable_origins", unreadable)

    sent = send(api_client, publishable)
    assert sent.status_code == 201
    assert sent["Access-Control-Allow-Origin"] == ORIGIN
    # From a page of another origin: refused by the key's own list, in words the page may read; nothing made.
    refused = send(api_client, publishable, origin=OTHER_ORIGIN)
    assert refused.status_code == 403
    assert refused["Access-Control-Allow-Origin"] == OTHER_ORIGIN
    assert refused.json()["code"] == "origin_not_allowed"
    assert Lead.objects.count() == 1


def test_referrals_with_a_publishable_key_are_throttled_per_key(api_client, programs, publishable, settings,
                                                                steady_throttle_window):  # fmt: skip
    rates(settings, embed_key="2/hour", embed_ip="100/hour")

    statuses = [send(api_client, publishable, headers={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code for n in range(3)]

    assert statuses[:2] == [201, 201]
    assert statuses[2] == 429
    assert Lead.objects.count() == 2


def test_referrals_with_a_publishable_key_are_throttled_per_ip(api_client, programs, publishable, settings,
                                                               steady_throttle_window):  # fmt: skip
    rates(settings, embed_key="100/hour", embed_ip="1/hour")

    first = send(api_client, publishable)
    second = send(api_client, publishable)
    elsewhere = send(api_client, publishable, headers={"REMOTE_ADDR": "198.51.100.7"})

    assert first.status_code == 201
    assert second.status_code == 429
    assert second["Content-Type"] == "application/problem+json"
    assert second.json()["code"] == "throttled"
    assert "Retry-After" in second
    assert elsewhere.status_code == 201


def test_a_secret_key_is_not_held_to_the_embed_throttles(api_client, programs, publishable, settings,
                                                         steady_throttle_window):  # fmt: skip
    from tests.leads.conftest import make_key, referral_body

    rates(settings, embed_key="1/hour", embed_ip="1/hour")
    secret = make_key(publishable.partner, ["referrals:write"])

    statuses = [api_client.post(URL, referral_body(), format="json", **secret.header).status_code for _ in range(3)]

    assert statuses == [201, 201, 201]
    assert ClientAPIKey.objects.count() == 2


def test_a_publishable_key_is_held_to_its_own_rates_not_the_partners(api_client, programs, publishable, settings,
                                                                     steady_throttle_window):  # fmt: skip
    rates(settings, partner="1/hour", embed_key="100/hour", embed_ip="100/hour")

    statuses = [send(api_client, publishable).status_code for _ in range(3)]

    assert statuses == [201, 201, 201]


@pytest.mark.parametrize(("key_rate", "expected_wait"), [("100/hour", 30), ("1/hour", 1770)])
def test_the_wait_is_that_of_the_window_over_its_rate_the_longer_when_both_are(
    api_client, programs, publishable, settings, steady_throttle_window, key_rate, expected_wait
):
    # The key's and the IP's counters are counted together (api.throttling.EmbedThrottle); the clock is held
    # 30 s before the minute's end and 1,770 s before the hour's.
    rates(settings, embed_key=key_rate, embed_ip="1/min")

    send(api_client, publishable)
    refused = send(api_client, publishable)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == expected_wait
    assert Lead.objects.count() == 1
