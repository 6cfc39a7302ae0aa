"""OpenAPI descriptions shared by the endpoints: problem responses, cache headers, examples."""

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from api import examples
from api.fields import FIELDS_PARAM, field_names, list_field_names
from api.serializers.content import SiteProfileSerializer

T = TypeVar("T")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="A URI naming the kind of problem; `about:blank` for plain HTTP errors.")
    title = serializers.CharField(help_text="The HTTP reason phrase.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `not_found`, `validation_error`.")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, popped by DRF's metaclass
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: field path → messages.",
    )


def problem(description: str, *, status: int, code: str, detail: str, errors: dict | None = None) -> OpenApiResponse:
    body: dict[str, Any] = {
        "type": "urn:corerecovery:problem:validation_error" if code == "validation_error" else "about:blank",
        "title": {400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"}[status],
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return OpenApiResponse(
        response=ProblemSerializer,
        description=description,
        examples=[OpenApiExample(code, value=body, status_codes=[str(status)], response_only=True)],
    )


BAD_QUERY = problem(
    "A query parameter is not valid.",
    status=400,
    code="validation_error",
    detail="The request is not valid; see `errors`.",
    errors={"page_size": ["Must be an integer from 1 to 100."]},
)
NOT_FOUND = problem("No such item, or it is not published.", status=404, code="not_found", detail="No such resource.")
THROTTLED = problem(
    "Too many requests from this client; retry after `Retry-After` seconds.",
    status=429,
    code="throttled",
    detail="Request was throttled. Expected available in 12 seconds.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the `ETag` or `Last-Modified` you sent is current.")

CACHE_HEADERS = [
    OpenApiParameter(
        "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="An `ETag` from an earlier response."
    ),
    OpenApiParameter(
        "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, description="A `Last-Modified` value."
    ),
    OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304], description="Strong validator."
    ),
    OpenApiParameter(
        "Last-Modified",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="No content changed after this time.",
    ),
    OpenApiParameter(
        "Cache-Control",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="e.g. `public, max-age=60, stale-while-revalidate=300`.",
    ),
]


def _fields_parameter(serializer_class: type[serializers.BaseSerializer], *, many: bool) -> OpenApiParameter:
    available = field_names(serializer_class)
    defaults = list_field_names(serializer_class) if many else None
    description = f"Comma-separated fields to return (sparse fieldset). Available: `{', '.join(available)}`."
    if defaults:
        description += f" Default for lists: `{', '.join(defaults)}`; add `body`, `body_html`, `json_ld` on request."
    return OpenApiParameter(FIELDS_PARAM, OpenApiTypes.STR, OpenApiParameter.QUERY, description=description)


_CACHING_NOTE = (
    "\n\nPublic and cacheable: send `If-None-Match` with the `ETag` you hold to get `304 Not Modified`. "
    "Only published items are returned."
)


def content_schema(
    tag: str, *, list_summary: str, detail_summary: str | None = None, example: dict[str, Any]
) -> Callable[[T], T]:
    """Describe a content viewset's list (and detail, when it has one) operations."""

    def decorate(viewset: T) -> T:
        serializer_class = viewset.serializer_class  # type: ignore[attr-defined]
        list_fields = list_field_names(serializer_class) or field_names(serializer_class)
        list_example = {name: example[name] for name in list_fields if name in example}
        operations = {
            "list": extend_schema(
                tags=[tag],
                summary=list_summary,
                description=f"{list_summary}, paginated (`page`, `page_size` up to 100).{_CACHING_NOTE}",
                parameters=[_fields_parameter(serializer_class, many=True), *CACHE_HEADERS],
                responses={200: serializer_class, 304: NOT_MODIFIED, 400: BAD_QUERY, 404: NOT_FOUND, 429: THROTTLED},
                examples=[OpenApiExample(f"{tag} page", value=[list_example], response_only=True)],
            )
        }
        if detail_summary:
            operations["retrieve"] = extend_schema(
                tags=[tag],
                summary=detail_summary,
                description=f"{detail_summary} by its slug, with the full body and JSON-LD.{_CACHING_NOTE}",
                parameters=[_fields_parameter(serializer_class, many=False), *CACHE_HEADERS],
                responses={200: serializer_class, 304: NOT_MODIFIED, 400: BAD_QUERY, 404: NOT_FOUND, 429: THROTTLED},
                examples=[OpenApiExample(tag, value=example, response_only=True)],
            )
        return extend_schema_view(**operations)(viewset)  # type: ignore[type-var]

    return decorate


site_schema = extend_schema(
    tags=["site"],
    summary="Read the site profile",
    description=(
        "The center's name, licence, contact, hours, crisis resources and calls to action, with a schema.org "
        "`MedicalClinic` JSON-LD object. Every page of the website should show the crisis resources." + _CACHING_NOTE
    ),
    parameters=CACHE_HEADERS,
    responses={200: SiteProfileSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND, 429: THROTTLED},
    examples=[OpenApiExample("site", value=examples.SITE, response_only=True)],
)
