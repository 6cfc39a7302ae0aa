"""Hostile requests that once answered 500 or were accepted: each is now a 4xx problem and stores nothing."""

import base64
import bz2
import json
import zlib

import pytest

from leads.models import Lead
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
VALID = json.dumps(lead_body(program_interest="")).encode()


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert not Lead.objects.exists()


def test_json_nested_a_thousand_deep_is_a_400(api_client):
    assert_refused(api_client.post(LEADS, "[" * 1000 + "]" * 1000, content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize(
    "body",
    [
        b'{"first_name": "Jordan", "preferred_contact": "\\ud800"}',
        b'{"\\ud800": 1}',
        b'{"first_name": "\\udfff"}',
    ],
)
def test_lone_surrogates_are_a_400(api_client, body):
    assert_refused(api_client.post(LEADS, body, content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize(
    ("charset", "encode"),
    [
        ("zlib", zlib.compress),
        ("bz2", bz2.compress),
        ("base64", base64.b64encode),
        ("rot13", lambda body: body),
        ("latin-1", lambda body: body),
    ],
)
def test_a_charset_other_than_utf8_is_a_415_and_is_never_decoded(api_client, charset, encode):
    response = api_client.post(LEADS, encode(VALID), content_type=f"application/json; charset={charset}")

    assert_refused(response, 415, "unsupported_media_type")


def test_utf8_named_explicitly_is_fine(api_client):
    assert api_client.post(LEADS, VALID, content_type="application/json; charset=UTF-8").status_code == 201


def test_duplicated_keys_are_a_400(api_client):
    body = (
        b'{"first_name": "Jordan", "phone": "602-555-0142", "consent": {"contact": false}, '
        b'"consent": {"contact": true}}'
    )

    assert_refused(api_client.post(LEADS, body, content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize("query", ["page_size=%C2%B2", "page_size=" + "9" * 5000, "page=0", "page=%C2%B2", "page=01"])
def test_odd_digits_in_paging_are_a_400(api_client, query):
    response = api_client.get(f"/api/v1/programs/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_a_nul_in_an_api_key_is_a_401(api_client):
    response = api_client.get("/api/v1/referrals/", HTTP_AUTHORIZATION="Api-Key a\x00.b")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
