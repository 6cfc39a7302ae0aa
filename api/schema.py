"""OpenAPI descriptions shared by the endpoints: problem responses, cache headers, examples."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from api import examples
from api.exceptions import TYPED_CODES
from api.fields import FIELDS_PARAM, field_names, list_field_names
from api.serializers.content import SiteProfileSerializer
from api.serializers.leads import (
    FormTokenSerializer,
    LeadReceiptSerializer,
    LeadRequestSerializer,
    ReferralRequestSerializer,
    ReferralSerializer,
)
from leads.form_tokens import FormTokenExpired, FormTokenInvalid, SubmittedTooFast

T = TypeVar("T")


class APIKeyScheme(OpenApiAuthenticationExtension):
    """Two schemes in the same header: secret keys everywhere their scopes allow, and publishable keys (the
    embeddable referral form's) on the operations that take them (a view's `publishable_key_actions`)."""

    target_class = "api.authentication.APIKeyAuthentication"
    name = ["ApiKey", "PublishableKey"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Api-Key <key>`. Keys are issued to partners, scoped, and shown once.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Api-Key pk_<key>`: a partner's publishable key, for the embeddable referral form "
                "in the partner's own web page (docs/partners.md). Not a secret: it can only send a referral "
                "(`POST /api/v1/referrals/`), only from a browser page whose `Origin` is one of the key's "
                "allowed origins (else `403` `origin_not_allowed`), throttled per key and per IP; anywhere else it "
                "is refused with `403` `publishable_key_not_allowed`.",
            },
        ]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        view = auto_schema.view
        if getattr(view, "action", None) in getattr(view, "publishable_key_actions", ()):
            return [{"ApiKey": []}, {"PublishableKey": []}]
        return [{"ApiKey": []}]


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


class MovedSerializer(ProblemSerializer):
    """A problem that says where the item moved (`301`)."""

    location = serializers.CharField(help_text="The item's current path, as in the `Location` header.")


def _problem_example(*, status: int, code: str, detail: str | Promise, errors: dict | None = None) -> OpenApiExample:
    # The examples are the API's default language, English, whatever language is active when this is imported.
    with translation.override("en"):
        detail = str(detail)
    body: dict[str, Any] = {
        "type": f"urn:corerecovery:problem:{code}" if code in TYPED_CODES else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return OpenApiExample(code, value=body, status_codes=[str(status)], response_only=True)


def problem(description: str, *, status: int, code: str, detail: str, errors: dict | None = None) -> OpenApiResponse:
    example = _problem_example(status=status, code=code, detail=detail, errors=errors)
    return OpenApiResponse(response=ProblemSerializer, description=description, examples=[example])


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
# A contact request or referral over its rate (api.throttling.SubmissionThrottled): words a form can show.
SUBMISSION_THROTTLED = problem(
    "Too many requests from this client; retry after `Retry-After` seconds. `detail` says it in minutes, for a "
    "person, in the language of `Accept-Language`.",
    status=429,
    code="throttled",
    detail="Too many forms were sent from here in a short time, so this one was not sent. Please try again in "
    "40 minutes, or call us at 602-926-7729.",
)
_MOVED_EXAMPLE = OpenApiExample(
    "moved_permanently",
    value={
        "type": "urn:corerecovery:problem:moved_permanently",
        "title": "Moved Permanently",
        "status": 301,
        "detail": "This item's slug is now `role-of-therapy-in-iop`; it moved to the path in `Location`.",
        "code": "moved_permanently",
        "location": "https://api.example.org/api/v1/articles/role-of-therapy-in-iop/",
    },
    status_codes=["301"],
    response_only=True,
)
MOVED = OpenApiResponse(
    response=MovedSerializer,
    description="An old slug of a live item (an editor renamed it): `Location` is the item's current path, "
    "with the same query. However many renames, one hop. An unpublished item's old slugs answer 404.",
    examples=[_MOVED_EXAMPLE],
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
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description='Strong validator, one per content coding (`"…-br"`, `"…-gzip"`, `"…-zstd"`).',
    ),
    OpenApiParameter(
        "Content-Encoding",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        enum=["br", "zstd", "gzip"],
        description="The coding `Accept-Encoding` chose (q-values honoured), for a body of 1 KiB or more; absent: "
        "identity.",
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


LANGUAGE_PARAMETERS = [
    OpenApiParameter(
        "lang",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=["en", "es"],
        description="Language of the text: `en` (default) or `es`. Wins over `Accept-Language`; another value is "
        "a `400` problem. Fields without Spanish text are shown in English and named in each item's "
        "`fallback_fields`. Prefer it to `Accept-Language` behind a CDN: it makes one URL per language.",
    ),
    OpenApiParameter(
        "Accept-Language",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Used when `lang` is absent, with quality values (`es-MX;q=0.9, en;q=0.8` gives Spanish). "
        "A header naming no language served here gives English.",
    ),
    OpenApiParameter(
        "Content-Language",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description="The language of the response: `en` or `es`.",
    ),
    OpenApiParameter(
        "Vary",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="`Accept-Encoding, Accept-Language, Content-Preview-Token` (and `Origin`): each coding and "
        "language is cached apart.",
    ),
]
PREVIEW_REFUSED = problem(
    "The draft preview token is tampered with, for another item, or expired (`preview_token_expired`).",
    status=403,
    code="preview_token_invalid",
    detail="This preview link is not valid. Open a new one from the admin.",
)
PREVIEW_PARAMETERS = [
    OpenApiParameter(
        "preview",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="An editor's draft preview token, from the admin's preview links. The item is returned in "
        "its saved state whatever its status or publication time, with `X-Content-Preview: true` and "
        "`Cache-Control: no-store, private`; it is never cached. A bad or expired token is a `403` problem "
        "(`preview_token_invalid`, `preview_token_expired`), never the published version.",
    ),
    OpenApiParameter(
        "Content-Preview-Token",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The draft preview token as a header instead of `?preview=` (the query parameter wins).",
    ),
    OpenApiParameter(
        "X-Content-Preview",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description="`true` on a draft preview (sent with `Cache-Control: no-store, private`, no `ETag`).",
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
                operation_id=f"{tag}_list",
                tags=[tag],
                summary=list_summary,
                description=f"{list_summary}, paginated (`page`, `page_size` up to 100).{_CACHING_NOTE}",
                parameters=[_fields_parameter(serializer_class, many=True), *LANGUAGE_PARAMETERS, *CACHE_HEADERS],
                responses={
                    200: OpenApiResponse(
                        serializer_class,
                        description=f"One page of {tag}: `count` items in all, `results` on this page (the default "
                        "list fields, or those `fields` names).",
                    ),
                    304: NOT_MODIFIED,
                    400: BAD_QUERY,
                    404: NOT_FOUND,
                    429: THROTTLED,
                },
                # The item alone: drf-spectacular puts it in a page (api.pagination) as `results`.
                examples=[
                    OpenApiExample(
                        f"{tag} page",
                        value=list_example,
                        summary=f"A list of one: {tag}, first and only page",
                        response_only=True,
                    )
                ],
            )
        }
        if detail_summary:
            operations["retrieve"] = extend_schema(
                operation_id=f"{tag}_retrieve",
                tags=[tag],
                summary=detail_summary,
                description=f"{detail_summary} by its slug, with the full body and JSON-LD.{_CACHING_NOTE}",
                parameters=[
                    _fields_parameter(serializer_class, many=False),
                    *LANGUAGE_PARAMETERS,
                    *CACHE_HEADERS,
                    *PREVIEW_PARAMETERS,
                    OpenApiParameter(
                        "Location",
                        OpenApiTypes.URI,
                        OpenApiParameter.HEADER,
                        response=[301],
                        description="The item's current path (an old slug was asked for).",
                    ),
                ],
                responses={
                    200: OpenApiResponse(
                        serializer_class, description="The item, with every field or those `fields` names."
                    ),
                    301: MOVED,
                    304: NOT_MODIFIED,
                    400: BAD_QUERY,
                    403: PREVIEW_REFUSED,
                    404: NOT_FOUND,
                    429: THROTTLED,
                },
                examples=[OpenApiExample(tag, value=example, response_only=True)],
            )
        return extend_schema_view(**operations)(viewset)  # type: ignore[type-var]

    return decorate


def feed_schema(
    tag: str,
    *,
    summary: str,
    description: str,
    serializer: type[serializers.BaseSerializer],
    example: dict[str, Any],
    detail_summary: str | None = None,
    detail_description: str = "",
    parameters: list[OpenApiParameter] | None = None,
) -> Callable[[T], T]:
    """Describe a feed (redirects, sitemap, menus): a paginated list, and an item by slug when it has one;
    cached, in the negotiated language."""
    operations = {"list": _feed_list(tag, summary, description, serializer, example, parameters or [])}
    if detail_summary:
        operations["retrieve"] = extend_schema(
            operation_id=f"{tag}_retrieve",
            tags=[tag],
            summary=detail_summary,
            description=f"{detail_description}{_CACHING_NOTE}",
            parameters=[*LANGUAGE_PARAMETERS, *CACHE_HEADERS],
            responses={
                200: OpenApiResponse(serializer, description=detail_summary.replace("Read", "The", 1) + "."),
                304: NOT_MODIFIED,
                400: BAD_QUERY,
                404: NOT_FOUND,
                429: THROTTLED,
            },
            examples=[OpenApiExample(tag, value=example, response_only=True)],
        )
    return extend_schema_view(**operations)  # type: ignore[return-value]  # T, a viewset class


def _feed_list(
    tag: str,
    summary: str,
    description: str,
    serializer: type[serializers.BaseSerializer],
    example: dict[str, Any],
    parameters: list[OpenApiParameter],
) -> Any:
    return extend_schema(
        operation_id=f"{tag}_list",
        tags=[tag],
        summary=summary,
        description=f"{description}{_CACHING_NOTE}",
        parameters=[*parameters, *LANGUAGE_PARAMETERS, *CACHE_HEADERS],
        responses={
            200: OpenApiResponse(serializer, description=f"One page of {tag}: `count` in all, `results` on this page."),
            304: NOT_MODIFIED,
            400: BAD_QUERY,
            404: NOT_FOUND,
            429: THROTTLED,
        },
        examples=[
            OpenApiExample(
                f"{tag} page", value=example, summary=f"A list of one: {tag}, first and only page", response_only=True
            )
        ],
    )


site_schema = extend_schema(
    operation_id="site_retrieve",
    tags=["site"],
    summary="Read the site profile",
    description=(
        "The center's name, licence, contact, hours, crisis resources and calls to action, with a schema.org "
        "`MedicalClinic` JSON-LD object. Every page of the website should show the crisis resources, which exist "
        "in English and Spanish (`?lang=es`)." + _CACHING_NOTE
    ),
    parameters=[*LANGUAGE_PARAMETERS, *CACHE_HEADERS],
    responses={
        200: OpenApiResponse(SiteProfileSerializer, description="The site profile."),
        304: NOT_MODIFIED,
        400: BAD_QUERY,
        404: NOT_FOUND,
        429: THROTTLED,
    },
    examples=[OpenApiExample("site", value=examples.SITE, response_only=True)],
)


_WRITE_HEADERS = [
    OpenApiParameter(
        "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
        description="A unique key per submission (e.g. a UUID). Retrying with the same key and body within 24 "
        "hours returns the first response and creates nothing; the same key with another body is 422; while "
        "the first request is still in flight, 409.",
    ),
    OpenApiParameter(
        "Idempotent-Replayed", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[201],
        description="`true` when this is the stored response of an earlier request with the same key.",
    ),
]  # fmt: skip
_TURNSTILE_HEADER = OpenApiParameter(
    "Turnstile-Token", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="With a publishable key, when the center has Turnstile on: the token of the Cloudflare Turnstile "
    "widget on the partner's page (single-use: a retry carries a new one). Ignored with a secret key.",
)  # fmt: skip
# The submissions' refusals (api.language.SubmissionLanguageMixin): their words, never their codes or field names.
# Not 413: a body over the limit is refused by api.middleware before any view, in English.
_PROBLEM_STATUSES = [400, 401, 403, 409, 422, 429, 503]
_MESSAGES_LANGUAGE = (
    "The language of the problem's `title`, `detail` and `errors` messages: `es` for `es`, `es-MX`, … (Spanish), "
    "anything else, none or `*` English. Field names in `errors`, `code` and `type` are the same in every "
    "language: match on those. Error responses answer `Content-Language` and every response of this operation "
    "carries `Vary: Accept-Language`."
)
_PROBLEM_LANGUAGE_HEADERS = [
    OpenApiParameter(
        "Accept-Language", OpenApiTypes.STR, OpenApiParameter.HEADER,
        description="Only for error messages: the referral itself is taken the same in any language. "
        + _MESSAGES_LANGUAGE,
    ),
    OpenApiParameter(
        "Content-Language", OpenApiTypes.STR, OpenApiParameter.HEADER, response=_PROBLEM_STATUSES,
        description="The language of the problem's messages: `en` or `es`.",
    ),
]  # fmt: skip
HUMAN_CHECK_UNAVAILABLE = problem(
    "The human check (Turnstile) could not be verified just now; nothing was stored. Retry shortly.",
    status=503, code="turnstile_unavailable",
    detail="The human check could not be verified just now; nothing was sent. Please try again in a minute, or "
    "call us at 602-926-7729.",
)  # fmt: skip
CONFLICT = problem(
    "The Idempotency-Key is in use by a request still in flight.",
    status=409, code="idempotency_key_in_flight",
    detail="A request with this Idempotency-Key is still being processed; retry shortly.",
)  # fmt: skip
KEY_REUSED = problem(
    "The Idempotency-Key was used with a different body.",
    status=422, code="idempotency_key_reused",
    detail="This Idempotency-Key was already used with a different request body.",
)  # fmt: skip
TOO_LARGE = problem(
    "The body is larger than the limit.", status=413, code="payload_too_large",
    detail="The request body is larger than 65536 bytes.",
)  # fmt: skip
INVALID_LEAD = problem(
    "A field is missing or not valid; `errors` says which and why.",
    status=400, code="validation_error", detail="The request is not valid; see `errors`.",
    errors={"phone": ["Give a phone number or an email address (or both)."],
            "consent.contact": ["This field is required."]},
)  # fmt: skip
INVALID_CONTACT_REQUEST = OpenApiResponse(
    response=ProblemSerializer,
    description="A field is missing or not valid (`validation_error`; `errors` says which and why). With the "
    "minimum fill time on: no form token, or one that is not valid (`form_token_invalid`) or expired "
    "(`form_token_expired`), or a form sent before its token's `usable_from` (`submitted_too_fast`): fetch a "
    "new form token and send again. A configured CAPTCHA that did not pass: `captcha_failed`. Nothing is stored.",
    examples=[
        *INVALID_LEAD.examples,
        _problem_example(status=400, code=FormTokenInvalid.code, detail=FormTokenInvalid.default_detail),
        _problem_example(status=400, code=FormTokenExpired.code, detail=FormTokenExpired.default_detail),
        _problem_example(status=400, code=SubmittedTooFast.code, detail=SubmittedTooFast.default_detail),
    ],
)
UNAUTHENTICATED = problem(
    "No API key, or not a valid one.", status=401, code="not_authenticated",
    detail="An API key is required: send `Authorization: Api-Key <key>`.",
)  # fmt: skip
FORBIDDEN = problem(
    "The API key lacks the scope this action needs.", status=403, code="permission_denied",
    detail="This API key does not have the scope this action needs.",
)  # fmt: skip

LEAD_REQUEST_EXAMPLE = {
    "first_name": "Alex",
    "last_name": "Example",
    "phone": "602-555-0123",
    "email": "alex@example.org",
    "preferred_contact": "phone",
    "best_time_to_contact": "Weekdays after 5 pm",
    "relationship": "self",
    "program_interest": "iop",
    "message": "I have been struggling with anxiety and would like to know about the IOP.",
    "state": "AZ",
    "age_range": "26_35",
    "consent": {"contact": True, "sms": True, "sms_disclosure_version": "2026-01"},
    "utm_source": "google",
    "landing_page": "/programs/iop/",
}
LEAD_RECEIPT_EXAMPLE = {
    "reference": "L-7F3K9Q",
    "status": "received",
    "next_steps": "Thank you for reaching out. A member of our admissions team will contact you…",
    "crisis_resources": examples.CRISIS_RESOURCES,
    "crisis_notice": "Core Recovery is not a crisis service… call or text 988… In an emergency, call 911.",
}
REFERRAL_REQUEST_EXAMPLE = {
    "first_name": "Sam",
    "last_name": "Example",
    "phone": "480-555-0199",
    "program_interest": "php",
    "state": "AZ",
    "date_of_birth": "1990-04-02",
    "referrer": {"name": "Dr. Jordan Example", "role": "Psychiatrist", "organization": "Example Health",
                 "phone": "602-555-0100", "email": "jordan@example.org"},
    "reason_for_referral": "Step-down from inpatient care after a depressive episode.",
    "urgency": "routine",
    "current_level_of_care": "inpatient",
    "client_consent": True,
}  # fmt: skip
REFERRAL_EXAMPLE = {
    "reference": "L-7F3K9Q",
    "status": "contacted",
    "status_history": [
        {"status": "received", "at": "2026-11-20T09:12:00-07:00", "reason_category": ""},
        {"status": "contacted", "at": "2026-11-20T10:02:00-07:00", "reason_category": ""},
    ],
    "program_interest": "php",
    "urgency": "routine",
    "received_at": "2026-11-20T09:12:00-07:00",
    "crisis_resources": examples.CRISIS_RESOURCES,
    "crisis_notice": "Core Recovery is not a crisis service… call or text 988… In an emergency, call 911.",
}

RECEIVED_LEAD = OpenApiResponse(
    LeadReceiptSerializer,
    description="Received: an opaque reference, what happens next and the crisis lines; never the personal data "
    "sent. A retry with the same `Idempotency-Key` and body gets this answer again (`Idempotent-Replayed: true`).",
)

lead_create_schema = extend_schema(
    operation_id="leads_create",
    tags=["leads"],
    summary="Send a contact request",
    description=(
        "For people seeking help, or their family, from the website's form. Anonymous; throttled per IP. "
        "Needs `first_name`, a `phone` or an `email`, and `consent.contact: true`. Unknown fields are refused. "
        "The response never repeats personal data: it gives an opaque reference, what happens next, and the "
        "crisis lines. **This is not a crisis service**: in a crisis call or text 988; in an emergency call 911."
    ),
    request=LeadRequestSerializer,
    parameters=[
        *_WRITE_HEADERS,
        OpenApiParameter(
            "Accept-Language", OpenApiTypes.STR, OpenApiParameter.HEADER,
            description="`es` (e.g. `es-MX, es;q=0.9`) gives the next steps and the crisis lines in Spanish; "
            "anything else gives English. Never a reason to refuse the request. " + _MESSAGES_LANGUAGE,
        ),
        OpenApiParameter(
            "Content-Language", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[201, *_PROBLEM_STATUSES],
            description="The language of `next_steps`, `crisis_resources` and `crisis_notice` (`201`), or of a "
            "problem's messages: `en` or `es`.",
        ),
    ],
    responses={201: RECEIVED_LEAD, 400: INVALID_CONTACT_REQUEST, 409: CONFLICT, 413: TOO_LARGE,
               422: KEY_REUSED, 429: SUBMISSION_THROTTLED},
    examples=[
        OpenApiExample("contact request", value=LEAD_REQUEST_EXAMPLE, request_only=True),
        OpenApiExample("receipt", value=LEAD_RECEIPT_EXAMPLE, response_only=True, status_codes=["201"]),
    ],
)  # fmt: skip

FORM_TOKEN_EXAMPLE = {
    "form_token": "c0Vx3bX9Q2m8l1aYt7ZkPw:1wHq5R:yq0d7c1Gm4p3FJ2tUu5d0v7WmV0kQk3uC3s3n9o1aQw",
    "usable_from": "2026-11-20T09:12:05-07:00",
    "expires_at": "2026-11-20T13:12:00-07:00",
}

lead_form_token_schema = extend_schema(
    operation_id="leads_form_token_retrieve",
    tags=["leads"],
    summary="Get a form token for the contact form",
    description=(
        "Fetch one each time the contact form is shown, and send it back as `form_token` with "
        "`POST /api/v1/leads/`. It proves the form was open for a while (the minimum fill time, when it is on): "
        "a contact request sent before `usable_from` is refused as too fast, and one sent after `expires_at` "
        "(4 hours by default) as expired; either way, fetch a new token and send again. The token is signed by "
        "the server and holds nothing personal. Anonymous; throttled per IP like the other public reads; "
        "`Cache-Control: no-store`."
    ),
    request=None,
    parameters=[
        OpenApiParameter(
            "Cache-Control", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
            description="`no-store`: each showing of the form gets a token of its own.",
        ),
    ],
    responses={
        200: OpenApiResponse(
            FormTokenSerializer,
            description="A new form token, and the times between which a contact request may carry it.",
            examples=[OpenApiExample("form token", value=FORM_TOKEN_EXAMPLE, response_only=True)],
        ),
        429: THROTTLED,
    },
)  # fmt: skip

referral_schema = extend_schema_view(
    create=extend_schema(
        operation_id="referrals_create",
        tags=["referrals"],
        summary="Send a referral",
        description=(
            "For referral partners, with an API key scoped `referrals:write`. The client's details use the "
            "same names as a contact request, plus the referring clinician, the reason, the urgency and the "
            "partner's attestation that the client agreed (`client_consent: true`). Status changes follow.\n\n"
            "The embeddable referral form (`/embed/v1/referral.js`) sends this from a partner's web page with a "
            "publishable key (`PublishableKey`), from an allowed `Origin` only. When the center turns on "
            "Cloudflare Turnstile, such a request carries the widget's token in the `Turnstile-Token` header: "
            "missing, wrong or spent it is a `400` (`turnstile_missing`, `turnstile_failed`, `turnstile_expired`), "
            "solved on a site that is not one of the key's origins a `403` (`turnstile_wrong_site`), and `503` "
            "(`turnstile_unavailable`) when it cannot be verified. Secret keys need no token."
        ),
        request=ReferralRequestSerializer,
        parameters=[*_WRITE_HEADERS, _TURNSTILE_HEADER, *_PROBLEM_LANGUAGE_HEADERS],
        responses={
            201: OpenApiResponse(
                ReferralSerializer,
                description="Received: the referral as you will read it later. A retry with the same "
                "`Idempotency-Key` and body gets this answer again (`Idempotent-Replayed: true`).",
            ),
            400: INVALID_LEAD,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: CONFLICT,
            413: TOO_LARGE,
            422: KEY_REUSED,
            429: SUBMISSION_THROTTLED,
            503: HUMAN_CHECK_UNAVAILABLE,
        },
        examples=[
            OpenApiExample("referral", value=REFERRAL_REQUEST_EXAMPLE, request_only=True),
            OpenApiExample("created", value=REFERRAL_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    ),
    list=extend_schema(
        operation_id="referrals_list",
        tags=["referrals"],
        summary="List your referrals",
        description="Your own referrals only, newest first (`referrals:read`): reference, status and its "
        "history, program, urgency. Never the clinical details sent.",
        responses={
            200: OpenApiResponse(ReferralSerializer, description="One page of your referrals, newest first."),
            400: BAD_QUERY,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: THROTTLED,
        },
        examples=[
            OpenApiExample(
                "referrals", value=REFERRAL_EXAMPLE, summary="A list of one: first and only page", response_only=True
            )
        ],
    ),
    retrieve=extend_schema(
        operation_id="referrals_retrieve",
        tags=["referrals"],
        summary="Read one of your referrals",
        description="By reference (`referrals:read`). Another partner's reference answers 404, exactly like "
        "one that does not exist.",
        responses={
            200: OpenApiResponse(ReferralSerializer, description="The referral: its status and the history of it."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: THROTTLED,
        },
        examples=[OpenApiExample("referral", value=REFERRAL_EXAMPLE, response_only=True)],
    ),
)


def problem_media_type_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: every error response is RFC 9457 `application/problem+json`, as served."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                # A 301 of an old slug is a problem body too (api.exceptions.MovedPermanently).
                if (str(status)[0] in "45" or str(status) == "301") and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
    return result


def sparse_fields_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: a resource that `?fields=` can trim (and whose lists leave the body out) has no
    required property: the honest contract for a sparse fieldset."""
    from api.fields import SparseFieldsSerializer

    def subclasses(cls: type) -> list[type]:
        found: list[type] = []
        direct_subclasses: list[type] = cls.__subclasses__()
        for direct in direct_subclasses:
            found += [direct, *subclasses(direct)]
        return found

    names = {cls.__name__.removesuffix("Serializer") for cls in subclasses(SparseFieldsSerializer)}
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in names:
            component.pop("required", None)
    return result


def client_names_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS (after the enum hook): enums and objects that drf-spectacular leaves inline become
    named components, so generated clients get one `Block`, `BlockTypeEnum`, `LevelOfCareEnum` or
    `ArticleOrderingEnum` instead of a copy per use named after the operation (`ProgramsListLevelOfCare`)."""
    from api.serializers.content import BLOCK_ITEM_SCHEMA

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    block_ref = _lift(
        schemas,
        "Block",
        {
            **BLOCK_ITEM_SCHEMA,
            "properties": {**BLOCK_ITEM_SCHEMA["properties"], "type": {"$ref": _ref("BlockTypeEnum")}},
        },
    )
    _lift(schemas, "BlockTypeEnum", BLOCK_ITEM_SCHEMA["properties"]["type"])
    for component in schemas.values():
        for prop in component.get("properties", {}).values():
            if prop.get("items") == BLOCK_ITEM_SCHEMA:
                prop["items"] = block_ref

    enums = {frozenset(schema["enum"]): name for name, schema in schemas.items() if "enum" in schema}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["name"] == "ordering" and "enum" in schema.get("items", {}):
                    resource = _listed_component(operation)
                    schema["items"] = _lift(schemas, f"{resource}OrderingEnum", schema["items"])
                elif "enum" in schema and frozenset(schema["enum"]) in enums:
                    parameter["schema"] = {"$ref": _ref(enums[frozenset(schema["enum"])])}

    member_names = _choice_member_names()
    for schema in schemas.values():
        if "enum" in schema:
            schema["x-enum-varnames"] = [member_names.get(value) or _member_name(value) for value in schema["enum"]]
    return result


def anonymous_security_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: an operation that needs no credentials says so, `security: []`, rather than saying
    nothing (drf-spectacular leaves views without authenticators bare) or `[{}]` (its AllowAny), which some
    client generators read as "needs credentials". Operations that take a key or nothing keep
    `[{ApiKey: []}, {}]`: the key is optional there, and the document says which scheme it is."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("security", [{}]) == [{}]:
                operation["security"] = []
    return result


def _choice_member_names() -> dict[str, str]:
    """Value → member name of the TextChoices in ENUM_NAME_OVERRIDES (`18_25` → `AGE_18_25`), so generated
    clients name enum members as the server does, where they would otherwise write `VALUE_1`."""
    from drf_spectacular.plumbing import deep_import_string
    from drf_spectacular.settings import spectacular_settings

    names: dict[str, str] = {}
    for path in spectacular_settings.ENUM_NAME_OVERRIDES.values():
        choices = deep_import_string(path) if isinstance(path, str) else path
        if hasattr(choices, "names"):
            names.update(zip(choices.values, choices.names, strict=True))
    return names


def _member_name(value: str) -> str:
    """`-published_at` → `PUBLISHED_AT_DESC`, `` → `BLANK`, `family_or_friend` → `FAMILY_OR_FRIEND`."""
    name = f"{value[1:]}_desc" if value.startswith("-") else value or "blank"
    name = name.upper()
    if not name.isidentifier() or name[0] == "_":
        raise ValueError(f"No readable enum member name for {value!r}: add its choices to ENUM_NAME_OVERRIDES.")
    return name


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _lift(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Register `schema` as component `name` (one name, one schema: a clash is a bug to fix here)."""
    if schemas.setdefault(name, schema) != schema:
        raise ValueError(f"Two schemas named {name} in the OpenAPI document.")
    return {"$ref": _ref(name)}


def _listed_component(operation: dict[str, Any]) -> str:
    """`Article` for a list operation answering `PaginatedArticleList`."""
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1].removeprefix("Paginated").removesuffix("List")
