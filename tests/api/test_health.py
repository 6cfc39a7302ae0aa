import json
import os
import urllib.error
import urllib.request

import pytest

from tests.servers import gunicorn


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


@pytest.mark.django_db
def test_healthz_answers_without_touching_dependencies(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_accepting_no_json_gets_the_406_problem_the_document_shows(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="text/plain")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_acceptable"


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_redis_answer(api_client):
    response = api_client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.integration
def test_readyz_is_503_when_the_database_is_unreachable():
    # A real server whose DATABASE_URL points at a closed port: nothing is mocked.
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing", "REDIS_URL": os.environ["REDIS_URL"]}
    with gunicorn(env) as base_url:
        status, content_type, body = _get(f"{base_url}/readyz")

    assert status == 503
    assert content_type == "application/problem+json"
    assert body["detail"] == "Not ready: database unavailable."


@pytest.mark.integration
def test_readyz_is_503_when_redis_is_unreachable_and_content_still_serves_from_the_database(django_db_setup):
    from django.conf import settings

    database = settings.DATABASES["default"]
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    with gunicorn({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}) as base_url:
        status, _content_type, body = _get(f"{base_url}/readyz")
        content_status, _, _ = _get(f"{base_url}/api/v1/programs/")

    assert status == 503
    assert body["detail"] == "Not ready: redis unavailable."
    assert content_status == 200
