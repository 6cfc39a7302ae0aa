import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.django_db

CONTENT_PATHS = [
    "/api/v1/site/",
    "/api/v1/programs/",
    "/api/v1/programs/{slug}/",
    "/api/v1/therapies/",
    "/api/v1/therapies/{slug}/",
    "/api/v1/articles/",
    "/api/v1/articles/{slug}/",
    "/api/v1/faqs/",
    "/api/v1/testimonials/",
    "/api/v1/redirects/",
    "/api/v1/sitemap/",
    "/api/v1/menus/",
    "/api/v1/menus/{slug}/",
]


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_has_every_content_endpoint_at_its_fixed_path(schema):
    assert set(CONTENT_PATHS) <= set(schema["paths"])


def test_every_operation_has_a_summary_description_and_an_example(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            success = next(code for code in operation["responses"] if code.startswith("2"))
            ok = operation["responses"][success]["content"]["application/json"]
            assert ok.get("examples") or ok.get("example"), f"{where} has no example"


def test_every_content_operation_documents_its_parameters_and_errors(schema):
    for path in CONTENT_PATHS:
        operation = schema["paths"][path]["get"]
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert {"If-None-Match", "If-Modified-Since"} <= names, path
        # The site profile is one object; the feeds' entries are small: neither takes a sparse fieldset.
        if path not in {
            "/api/v1/site/",
            "/api/v1/redirects/",
            "/api/v1/sitemap/",
            "/api/v1/menus/",
            "/api/v1/menus/{slug}/",
        }:
            assert "fields" in names, path
        assert {"304", "404", "429"} <= set(operation["responses"]), path


def test_list_operations_document_pagination_and_filters(schema):
    articles = {parameter["name"] for parameter in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}

    assert {"page", "page_size", "program", "therapy", "tag", "search", "ordering", "fields"} <= articles


def test_the_document_names_its_server_contact_and_licence_from_the_environment():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PUBLIC_API_URL": "https://api.corerecovery.example/",
        "PUBLIC_SITE_URL": "https://www.corerecovery.example",
        "API_CONTACT_EMAIL": "developers@corerecovery.example",
        "API_TERMS_URL": "",
    }
    generated = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--format", "openapi-json"],
        cwd=Path(__file__).resolve().parents[2], env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    info = json.loads(generated.stdout)

    # Swagger UI's "Try it out" and generated clients call the public base URL; the paths carry `/api/v1/`.
    assert [server["url"] for server in info["servers"]] == ["https://api.corerecovery.example"]
    assert info["info"]["contact"] == {
        "name": "Core Recovery",
        "url": "https://www.corerecovery.example",
        "email": "developers@corerecovery.example",
    }
    # The center's content is not open-licensed: all rights reserved, under the site's terms of use.
    assert info["info"]["license"] == {
        "name": "Proprietary: all rights reserved",
        "url": "https://www.corerecovery.example/terms/",
    }
    assert info["info"]["termsOfService"] == "https://www.corerecovery.example/terms/"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_render_and_their_assets_are_served(client, url):
    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI's start-up script is a file of its own (no inline script under the CSP); it names the schema.
    start_up = client.get(f"{url}?script=").content.decode() if "?script=" in html else ""
    assert "/api/schema/" in html + start_up
    asset = "/static/drf_spectacular_sidecar/" + html.split("/static/drf_spectacular_sidecar/")[1].split('"')[0]
    response = client.get(asset)
    assert response.status_code == 200, asset


def test_cors_allows_the_configured_origins_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.corerecovery.example"]

    allowed = client.get("/api/v1/faqs/", HTTP_ORIGIN="https://www.corerecovery.example")
    other = client.get("/api/v1/faqs/", HTTP_ORIGIN="https://evil.example")

    assert allowed["Access-Control-Allow-Origin"] == "https://www.corerecovery.example"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other
