"""The OpenAPI 3.1 document of `/hsds/` (linked from `GET /hsds/` as `openapi_url`).

The HSDS reference's own document (schema/openapi.json of the standard), narrowed to what this API serves: the
GET operations (the reference's POST variants repeat them), their parameters, and the `Page` wrapper; the
objects are the HSDS 3.1 JSON Schemas, by their published URLs.
"""

import json
import sys
from typing import Any

from django.conf import settings

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/"


def _param(name: str, description: str, kind: str = "string", **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": kind, **schema},
    }


PARAMETERS = {
    "search": _param("search", "Full text search (a case-insensitive match on names and descriptions)."),
    "page": _param("page", "Page number of paginated result.", "integer", minimum=1),
    "per_page": _param("per_page", "Number of results requested in a single page (at most 100).", "integer"),
    "format": _param("format", "Only `json` is served."),
    "taxonomy_term_id": _param("taxonomy_term_id", "Records with this taxonomy term."),
    "taxonomy_id": _param("taxonomy_id", "Records which contain any term of this taxonomy."),
    "organization_id": _param("organization_id", "Services this organization provides."),
    "modified_after": _param("modified_after", "Results modified on or after this date-time.", format="date-time"),
    "minimal": _param("minimal", "Just each service's id, name, status and last_modified.", "boolean"),
    "full": _param("full", "Fully nested objects.", "boolean"),
    "full_service": _param("full_service", "Fully nested services in an organization.", "boolean"),
    "top_only": _param("top_only", "Only top-level terms (all of them are).", "boolean"),
    "parent_id": _param("parent_id", "Terms with this parent."),
    "lang": _param("lang", "`en` (default) or `es`; `Accept-Language` also works.", enum=["en", "es"]),
}

_LIST = ["search", "page", "per_page", "format"]
_SERVICE_FILTERS = ["taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after"]

# path: (operationId, summary, HSDS schema, is a list, parameter names)
OPERATIONS: dict[str, tuple[str, str, str, bool, list[str]]] = {
    "/services": (
        "getPaginatedListOfServices",
        "Paginated list of the center's programs as services",
        "service.json",
        True,
        [*_LIST, *_SERVICE_FILTERS, "minimal", "full"],
    ),
    "/services/{id}": ("getFullyNestedServiceById", "A fully nested service", "service.json", False, []),
    "/service_at_locations": (
        "getPaginatedListOfServiceAtLocation",
        "Paginated list of services at locations",
        "service_at_location.json",
        True,
        [*_LIST, *_SERVICE_FILTERS, "full"],
    ),
    "/service_at_locations/{id}": (
        "getServiceAtLocationWithNestedDataById",
        "A fully nested service at location",
        "service_at_location.json",
        False,
        [],
    ),
    "/organizations": (
        "getPaginatedListOfOrganizations",
        "Paginated list of organizations (the center)",
        "organization.json",
        True,
        [*_LIST, "full_service", "full", "taxonomy_term_id", "taxonomy_id"],
    ),
    "/organizations/{id}": (
        "getOrganizationById",
        "A fully nested organization",
        "organization.json",
        False,
        ["full_service"],
    ),
    "/taxonomies": ("getPaginatedListOfTaxonomies", "Paginated list of taxonomies", "taxonomy.json", True, _LIST),
    "/taxonomies/{id}": ("getTaxonomyById", "A taxonomy", "taxonomy.json", False, []),
    "/taxonomy_terms": (
        "getPaginatedListOfTaxonomyTerms",
        "Paginated list of taxonomy terms",
        "taxonomy_term.json",
        True,
        [*_LIST, "taxonomy_id", "top_only", "parent_id"],
    ),
    "/taxonomy_terms/{id}": ("getTaxonomyTermById", "A taxonomy term", "taxonomy_term.json", False, []),
}

_PROBLEM = {
    "description": "A problem (RFC 9457): a bad parameter (400), no such item or page (404), too many requests (429).",
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
}


def _operation(operation_id: str, summary: str, schema: str, is_list: bool, names: list[str]) -> dict[str, Any]:
    # The object's JSON Schema is the standard's, linked rather than copied: this document stays small and can
    # never drift from it (the test suite validates every response against the pinned copy).
    name = schema.removesuffix(".json")
    item = {
        "type": "object",
        "description": f"An HSDS 3.1 `{name}` object.",
        "externalDocs": {"description": f"The HSDS 3.1 `{name}` JSON Schema", "url": SCHEMA_BASE + schema},
    }
    body = (
        {"allOf": [{"$ref": "#/components/schemas/Page"}], "properties": {"contents": {"type": "array", "items": item}}}
        if is_list
        else item
    )
    parameters = [PARAMETERS[name] for name in [*names, "lang"]]
    if not is_list:
        parameters.insert(
            0, {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        )
    kind = "A page (HSDS `Page`) of" if is_list else "One"
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": f"{kind} `{name}` object{'s' if is_list else ''}, mapped from the center's live content, in "
        "English or Spanish. Cached: send `If-None-Match` with the `ETag` to get 304 when nothing changed.",
        "tags": ["hsds"],
        "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": {"application/json": {"schema": body}}},
            "304": {"description": "Not modified (`If-None-Match`)."},
            "400": _PROBLEM,
            "404": _PROBLEM,
            "429": _PROBLEM,
        },
    }


def hsds_openapi(*, base_url: str) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "operationId": "getAPIMetaInformation",
                "summary": "HSDS version, profile and this document",
                "description": "The HSDS version this API speaks, its profile, and the URL of this document.",
                "tags": ["hsds"],
                "responses": {
                    "200": {
                        "description": "Information about this API.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "version": {"type": "string"},
                                        "profile": {"type": "string", "format": "uri"},
                                        "openapi_url": {"type": "string", "format": "uri"},
                                    },
                                }
                            }
                        },
                    },
                    "429": _PROBLEM,
                },
            }
        }
    }
    for path, spec in OPERATIONS.items():
        paths[path] = {"get": _operation(*spec)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Core Recovery directory API (Open Referral HSDS 3.1)",
            "version": "3.1",
            "description": "The center's programs, availability and insurance accepted as Open Referral HSDS 3.1, "
            "for referral directories. Anonymous, or with an API key (`Authorization: Api-Key …`); cached (ETag).",
            "contact": {
                "name": "Core Recovery",
                "url": settings.PUBLIC_SITE_URL,
                **({"email": settings.API_CONTACT_EMAIL} if settings.API_CONTACT_EMAIL else {}),
            },
            "license": {"name": "Proprietary: all rights reserved", "url": settings.API_TERMS_URL},
        },
        "tags": [{"name": "hsds", "description": "Open Referral HSDS 3.1, read-only."}],
        # Anonymous (`{}`) or a key: the key, if sent, must be valid (401 otherwise).
        "security": [{}, {"ApiKey": []}],
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Api-Key <key>`, a key with `content:read`.",
                }
            },
            "schemas": {
                "Page": {
                    "type": "object",
                    "properties": {
                        "total_items": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                        "page_number": {"type": "integer"},
                        "size": {"type": "integer"},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                    },
                }
            },
        },
    }


if __name__ == "__main__":
    # `make lint-openapi`: the document as the linters read it.
    import django

    django.setup()
    json.dump(hsds_openapi(base_url=f"{settings.PUBLIC_API_URL}/hsds"), sys.stdout)
