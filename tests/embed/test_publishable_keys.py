"""Publishable keys (`pk_…`): one thing only, a referral, from a page of the key's own origins."""

import re
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from leads.models import Lead, LeadKind
from partners.models import ClientAPIKey
from tests.embed.conftest import ORIGIN, OTHER_ORIGIN, URL, send
from tests.leads.conftest import make_key

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

PROBLEM = "application/problem+json"


def test_create_api_key_prints_a_publishable_key_for_the_origins_given(capsys, embed_partner):
    call_command(
        "create_api_key", "--partner", embed_partner.name, "--publishable",
        "--origins", "https://partner.example, HTTPS://WWW.Partner.example:443/",
    )  # fmt: skip

    key = capsys.readouterr().out.strip().splitlines()[1]
    assert re.fullmatch(r"pk_[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}", key)
    api_key = ClientAPIKey.objects.get(partner=embed_partner)
    assert api_key.kind == "publishable"
    assert api_key.scopes == ["referrals:write"]
    assert api_key.allowed_origins == ["https://partner.example", "https://www.partner.example"]
    # Stored like any key: the prefix and a hash of what follows `pk_`, never the key itself.
    assert api_key.prefix == key[3:11]
    assert key not in api_key.hashed_key
    assert api_key.is_valid(key[3:])


@pytest.mark.parametrize(
    "origins",
    ["", "partner.example", "https://partner.example/form", "https://*.partner.example", "ftp://partner.example",
     "https://partner.example?x=1", "https://user@partner.example"],
)  # fmt: skip
def test_a_publishable_key_needs_origins_that_are_exactly_scheme_host_and_port(embed_partner, origins):
    with pytest.raises(CommandError):
        call_command("create_api_key", "--partner", embed_partner.name, "--publishable", "--origins", origins)
    assert not ClientAPIKey.objects.exists()


def test_a_publishable_key_has_no_other_scopes(embed_partner):
    with pytest.raises(CommandError, match="one scope"):
        call_command(
            "create_api_key", "--partner", embed_partner.name, "--publishable", "--scopes", "referrals:read",
            "--origins", ORIGIN,
        )  # fmt: skip


def test_a_referral_from_a_page_of_the_keys_origin_is_the_partners(api_client, programs, publishable):
    response = send(api_client, publishable, headers={"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())})

    assert response.status_code == 201, response.content
    lead = Lead.objects.get(reference=response.json()["reference"])
    assert lead.partner == publishable.partner
    assert lead.kind == LeadKind.PARTNER_REFERRAL
    assert response["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("origin", [OTHER_ORIGIN, None, "null", "https://www.partner.example.evil.example",
                                    "http://www.partner.example"])  # fmt: skip
def test_a_referral_from_any_other_origin_is_refused_in_words(api_client, programs, publishable, origin):
    response = send(api_client, publishable, origin=origin)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "origin_not_allowed"
    assert "origin of this page is not allowed for this key" in body["detail"]
    assert not Lead.objects.exists()


def test_an_origin_of_another_publishable_key_is_refused_but_can_read_why(api_client, programs, publishable):
    from partners.services import api_key_issue

    api_key_issue(name="Other", partner=publishable.partner, scopes=[], publishable=True,
                  allowed_origins=[OTHER_ORIGIN])  # fmt: skip

    response = send(api_client, publishable, origin=OTHER_ORIGIN)

    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    # The page may read the refusal (the origin belongs to some key), and show it in words.
    assert response["Access-Control-Allow-Origin"] == OTHER_ORIGIN


def test_a_secret_key_is_not_a_publishable_one_nor_the_reverse(api_client, programs, publishable):
    secret = make_key(publishable.partner, ["referrals:write"])
    as_publishable = {"HTTP_AUTHORIZATION": f"Api-Key pk_{secret.key}", "HTTP_ORIGIN": ORIGIN}
    as_secret = {"HTTP_AUTHORIZATION": f"Api-Key {publishable.key.removeprefix('pk_')}", "HTTP_ORIGIN": ORIGIN}
    from tests.leads.conftest import referral_body

    for headers in (as_publishable, as_secret):
        response = api_client.post(URL, referral_body(), format="json", **headers)
        assert response.status_code == 401, response.content
        assert response["Content-Type"] == PROBLEM
    assert not Lead.objects.exists()


def test_a_revoked_publishable_key_is_refused(api_client, programs, publishable):
    ClientAPIKey.objects.filter(pk=publishable.api_key.pk).update(revoked=True)

    assert send(api_client, publishable).status_code == 401


# Every route of the URLconf, with a sample path for each: a route this cannot make a path for fails the test
# below, so a new route is never skipped silently.
_SAMPLES = {
    "reference": "L-7F3K9Q", "slug": "iop", "app_label": "partners", "url": "x",
    "name": "originals/x.jpg",
}  # fmt: skip


def _sample(pattern: str) -> str:
    path = re.sub(r"<int:\w+>", "1", pattern)
    path = re.sub(r"<(?:str|path|slug):\w+>", "x1", path)
    while (start := path.find("(?P<")) != -1:
        name = path[start + 4 : path.index(">", start)]
        depth, end = 0, start
        for end in range(start, len(path)):
            depth += {"(": 1, ")": -1}.get(path[end], 0)
            if depth == 0:
                break
        group = path[start : end + 1]
        value = _SAMPLES.get(name) or (str(uuid.uuid4()) if "36" in group else "1")
        path = path[:start] + value + path[end + 1 :]
    return "/" + path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")


def _routes(patterns, prefix: str = "") -> list[tuple[str, URLPattern]]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            routes.append((_sample(prefix + str(pattern.pattern)), pattern))
    return routes


def test_every_route_of_the_urlconf_has_a_sample_path():
    routes = _routes(get_resolver().url_patterns)

    assert len(routes) > 100  # the admin's, the API's, HSDS, health, staff, webhooks, media
    for path, pattern in routes:
        assert resolve(path).func == pattern.callback, path


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "head"])
def test_a_publishable_key_is_refused_on_every_route_but_referral_creation(client, publishable, method):
    not_refused = []
    for path, _ in _routes(get_resolver().url_patterns):
        if method == "post" and path == URL:
            continue
        response = getattr(client, method)(path, **publishable.headers())
        code = None if method == "head" else response.json()["code"]
        if response.status_code != 403 or code not in {None, "publishable_key_not_allowed"}:
            not_refused.append((path, response.status_code))
    assert not_refused == []


@pytest.mark.parametrize("path", ["/api/v1/referrals/", "/api/v1/referrals/L-7F3K9Q/", "/api/v1/programs/"])
def test_the_api_refuses_a_publishable_key_on_its_own_too(api_client, programs, publishable, path, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "api.middleware.PublishableKeyMiddleware"]

    response = api_client.get(path, **publishable.headers())

    assert response.status_code == 403
    assert response.json()["code"] == "publishable_key_not_allowed"


def test_the_openapi_document_says_which_operation_takes_a_publishable_key(client):
    document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["PublishableKey"]["in"] == "header"
    assert "pk_" in schemes["PublishableKey"]["description"]
    referrals = document["paths"]["/api/v1/referrals/"]
    assert {"PublishableKey": []} in referrals["post"]["security"]
    assert {"ApiKey": []} in referrals["post"]["security"]
    assert {"PublishableKey": []} not in referrals["get"]["security"]
    assert {"PublishableKey": []} not in document["paths"]["/api/v1/programs/"]["get"]["security"]
    assert "Turnstile-Token" in {parameter["name"] for parameter in referrals["post"]["parameters"]}
