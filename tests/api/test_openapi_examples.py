"""Every example the OpenAPI document shows is true to its own schema, in the English and the Spanish document
(`?lang=es`): Swagger UI and ReDoc put them before every partner developer. Spectral and Redocly check the same
in `make lint-openapi`; here jsonschema names the broken example in the suite, and the request examples are
sent to the API itself.

OpenAPI 3.0 schemas are JSON Schema draft 4 plus a few words of their own; `as_json_schema` translates the one
that changes what is valid, `nullable`. jsonschema checks the formats it can without optional packages
(`email`, `date`, ...); `date-time` and `uri` are left to Spectral, which checks every format."""

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from api.schema import LEAD_REQUEST_EXAMPLE, REFERRAL_REQUEST_EXAMPLE
from content import services
from content.models import Menu, Redirect
from partners.models import Partner
from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TestimonialFactory,
    TherapyFactory,
)
from tests.leads.conftest import make_key

pytestmark = pytest.mark.django_db

# The URI the document's `#/components/…` references are resolved against.
DOCUMENT = "urn:corerecovery:openapi"
REFERRAL_SCOPES = ["referrals:write", "referrals:read"]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def openapi_document(client: Any, lang: str) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json", "lang": lang})
    assert response.status_code == 200
    return json.loads(response.content)


def as_json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 Schema Object as JSON Schema draft 4: `nullable: true` becomes "or null" around the whole
    schema (a `$ref` or `allOf` as much as a `type`, as drf-spectacular writes it and tools read it), and an
    object listing its properties takes no others unless it says so (Redocly's `no-invalid-media-type-examples`
    does the same: an example with a misspelt or renamed field must fail). drf-spectacular composes with
    `allOf` around a single `$ref` only, so closed objects never meet in one `allOf`."""
    if not isinstance(schema, dict):
        return schema
    translated = dict(schema)
    if translated.get("$ref", "").startswith("#/"):  # into the document, wherever the schema is checked
        translated["$ref"] = DOCUMENT + translated["$ref"]
    for keyword in ("items", "not", "additionalProperties"):
        if isinstance(translated.get(keyword), dict):
            translated[keyword] = as_json_schema(translated[keyword])
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in translated:
            translated[keyword] = [as_json_schema(branch) for branch in translated[keyword]]
    if "properties" in translated:
        translated["properties"] = {name: as_json_schema(value) for name, value in translated["properties"].items()}
        translated.setdefault("additionalProperties", False)
    if translated.pop("nullable", False):
        translated = {"anyOf": [translated, {"type": "null"}]}
    return translated


def examples_of(document: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(where, example, schema) for every example in the document: of request and response bodies, of
    parameters and response headers, and schemas' own `example` and `default` (Swagger UI shows those too)."""
    for path, path_item in document["paths"].items():
        for parameter in path_item.get("parameters", []):
            yield from _of_media(document, f"{path} parameter {parameter['name']}", parameter)
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                yield from _of_media(document, f"{where} parameter {parameter['name']}", parameter)
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                yield from _of_media(document, f"{where} request {media_type}", media)
            for status, response in operation["responses"].items():
                for name, header in response.get("headers", {}).items():
                    yield from _of_media(document, f"{where} {status} header {name}", header)
                for media_type, media in response.get("content", {}).items():
                    yield from _of_media(document, f"{where} {status} {media_type}", media)
    for name, schema in document["components"]["schemas"].items():
        yield from _of_schema(f"#/components/schemas/{name}", schema)


def _of_media(document: dict[str, Any], where: str, media: dict[str, Any]) -> Iterator[tuple[str, Any, dict]]:
    """A media type, a parameter or a header: each has `schema`, `example` and `examples` alike."""
    schema = media.get("schema", {})
    if "example" in media:
        yield where, media["example"], schema
    for name, example in media.get("examples", {}).items():
        example = _resolved(document, example)
        assert "value" in example, f"{where} example {name} has no value to check"
        yield f"{where} example {name}", example["value"], schema
    yield from _of_schema(where, schema)


def _of_schema(where: str, schema: dict[str, Any]) -> Iterator[tuple[str, Any, dict]]:
    for keyword in ("example", "default"):
        if keyword in schema:
            yield f"{where} {keyword}", schema[keyword], schema
    for name, value in schema.get("properties", {}).items():
        yield from _of_schema(f"{where}.{name}", value)
    for keyword in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            yield from _of_schema(f"{where}.{keyword}", schema[keyword])
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, branch in enumerate(schema.get(keyword, [])):
            yield from _of_schema(f"{where}.{keyword}[{index}]", branch)


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        for part in node["$ref"][2:].split("/"):
            document = document[part.replace("~1", "/").replace("~0", "~")]
        node = document
    return node


def problems_in(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Where every example was found, and what is wrong with those not true to their schema."""
    schemas = {name: as_json_schema(schema) for name, schema in document["components"]["schemas"].items()}
    registry = Registry().with_resource(DOCUMENT, DRAFT4.create_resource({"components": {"schemas": schemas}}))
    found, problems = [], []
    for where, example, schema in examples_of(document):
        found.append(where)
        validator = Draft4Validator(as_json_schema(schema), registry=registry, format_checker=FormatChecker())
        problems += [f"{where}: {error.json_path}: {error.message}" for error in validator.iter_errors(example)]
    return found, problems


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_example_in_the_document_is_true_to_its_schema(api_client, lang):
    document = openapi_document(api_client, lang)

    found, problems = problems_in(document)

    assert not problems, "\n".join(problems)
    # The walk reached every operation's success example, and the bodies of each kind the docs show.
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    successes = {
        match[1] for where in found if (match := re.match(r"(\S+ \S+) 2\d\d application/json example ", where))
    }
    assert successes == operations
    assert "GET /api/v1/articles/ 200 application/json example ArticlesPage" in found
    assert "POST /api/v1/leads/ request application/json example ContactRequest" in found
    assert "GET /readyz 503 application/problem+json example NotReady" in found


def _list_of_lists(page: dict[str, Any]) -> None:
    page["results"] = [page["results"]]  # drf-spectacular paging an example that was already a list


def _misspelt_field(page: dict[str, Any]) -> None:
    page["results"][0]["titel"] = page["results"][0].pop("title")


def _wrong_type(page: dict[str, Any]) -> None:
    page["count"] = "one"


@pytest.mark.parametrize(
    ("breakage", "reported"),
    [
        (_list_of_lists, "$.results[0]: [{"),
        (_misspelt_field, "$.results[0]: Additional properties are not allowed ('titel' was unexpected)"),
        (_wrong_type, "$.count: 'one' is not of type 'integer'"),
    ],
)
def test_an_example_that_drifts_from_its_schema_is_reported_where_it_is(api_client, breakage, reported):
    document = copy.deepcopy(openapi_document(api_client, "en"))
    media = document["paths"]["/api/v1/articles/"]["get"]["responses"]["200"]["content"]["application/json"]
    breakage(media["examples"]["ArticlesPage"]["value"])

    _, problems = problems_in(document)

    where = "GET /api/v1/articles/ 200 application/json example ArticlesPage"
    assert [problem for problem in problems if problem.startswith(f"{where}: {reported}")], problems


def test_a_nullable_schema_takes_null_and_a_closed_object_no_stranger():
    schema = as_json_schema(
        {"type": "object", "properties": {"next": {"type": "string", "format": "uri", "nullable": True}}}
    )

    assert Draft4Validator(schema).is_valid({"next": None})
    assert not Draft4Validator(schema).is_valid({"next": 1})
    assert not Draft4Validator(schema).is_valid({"next": None, "stranger": 1})


CONTENT_LISTS = {
    "/api/v1/programs/": (ProgramFactory, "ProgramsPage"),
    "/api/v1/therapies/": (TherapyFactory, "TherapiesPage"),
    "/api/v1/articles/": (ArticleFactory, "ArticlesPage"),
    "/api/v1/faqs/": (FAQFactory, "FaqsPage"),
    "/api/v1/testimonials/": (TestimonialFactory, "TestimonialsPage"),
    "/api/v1/redirects/": (lambda: _a_redirect(), "RedirectsPage"),
    "/api/v1/sitemap/": (SiteProfileFactory, "SitemapPage"),  # the home page alone
    "/api/v1/menus/": (lambda: services.menu_save(menu=Menu(slug="header", name="Header")), "MenusPage"),
}


def _a_redirect() -> None:
    services.redirect_save(redirect=Redirect(old_path="/blog/iop.html", new_path="/programs/iop/"))


@pytest.mark.parametrize("path", CONTENT_LISTS)
def test_a_list_example_shows_a_page_as_the_api_answers_it(api_client, path):
    factory, name = CONTENT_LISTS[path]
    factory()
    media = openapi_document(api_client, "en")["paths"][path]["get"]["responses"]["200"]["content"]
    example = media["application/json"]["examples"][name]["value"]

    page = api_client.get(path).json()

    assert (example["count"], example["next"], example["previous"]) == (1, None, None)
    assert (page["count"], page["next"], page["previous"]) == (1, None, None)
    assert len(example["results"]) == len(page["results"]) == 1
    assert set(example["results"][0]) == set(page["results"][0])


def test_the_request_examples_are_accepted_by_the_api_and_answered_as_shown(api_client):
    ProgramFactory(slug=LEAD_REQUEST_EXAMPLE["program_interest"])
    ProgramFactory(slug=REFERRAL_REQUEST_EXAMPLE["program_interest"])
    partner = make_key(Partner.objects.create(name="Example Health", slug="example-health"), REFERRAL_SCOPES)
    document = openapi_document(api_client, "en")

    def shown(path: str, method: str, status: str) -> Any:
        media = document["paths"][path][method]["responses"][status]["content"]["application/json"]
        return next(iter(media["examples"].values()))["value"]

    receipt = api_client.post("/api/v1/leads/", LEAD_REQUEST_EXAMPLE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    referral = api_client.post(
        "/api/v1/referrals/", REFERRAL_REQUEST_EXAMPLE, format="json", HTTP_IDEMPOTENCY_KEY="k-2", **partner.header
    )
    referrals = api_client.get("/api/v1/referrals/", **partner.header)

    assert receipt.status_code == 201, receipt.content
    assert set(receipt.json()) == set(shown("/api/v1/leads/", "post", "201"))
    assert referral.status_code == 201, referral.content
    assert set(referral.json()) == set(shown("/api/v1/referrals/", "post", "201"))
    page, example_page = referrals.json(), shown("/api/v1/referrals/", "get", "200")
    assert (
        (page["count"], page["next"], page["previous"])
        == (1, None, None)
        == tuple(example_page[name] for name in ("count", "next", "previous"))
    )
    assert set(page["results"][0]) == set(example_page["results"][0])
