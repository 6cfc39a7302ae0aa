"""RFC 9457 problem details for every error, from DRF views and from Django itself (404, 500, …).

A problem has `type`, `title`, `status`, `detail`, a stable `code`, and `errors` (field → messages) for
validation. Types without extra meaning are `about:blank` with the HTTP reason as title, as RFC 9457 §4.2.1
advises; our own kinds of problem get a `urn:corerecovery:problem:<code>` type.
"""

import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.renderers import dumps
from content.preview import PreviewTokenError
from leads.exceptions import LeadError
from partners.exceptions import PartnerError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Domain errors (stable codes) and the HTTP status each answers with.
DOMAIN_ERROR_STATUS = {
    "idempotency_key_reused": 422,
    "idempotency_key_in_flight": 409,
    "invalid_status_transition": 409,
    # The minimum fill time (leads.form_tokens): the website fetches a new form token and sends again.
    "submitted_too_fast": 400,
    "form_token_invalid": 400,
    "form_token_expired": 400,
    "captcha_failed": 400,
    # A draft preview link that is tampered with, for another item, or expired: refused, never answered
    # with the published version instead (the editor would take it for the draft).
    "preview_token_invalid": 403,
    "preview_token_expired": 403,
    # The embeddable form's human check (Turnstile): the person completes it again; siteverify unreachable is
    # ours, not theirs, so a 503 they may retry.
    "turnstile_missing": 400,
    "turnstile_failed": 400,
    "turnstile_expired": 400,
    "turnstile_wrong_site": 403,
    "turnstile_unavailable": 503,
}
# Codes that deserve a type of their own (clients branch on them); the rest are about:blank.
TYPED_CODES = {
    "validation_error", "throttled", "payload_too_large", "moved_permanently",
    # A publishable key (the embeddable form's) used where it may not be, or from a page it does not serve.
    "publishable_key_not_allowed", "origin_not_allowed",
    *DOMAIN_ERROR_STATUS,
}  # fmt: skip


# The titles a problem can have, in words a person may read: HTTP's reason phrases (RFC 9457 §3.1.3 allows them
# localised), in the active language (api.language: a submission's refusals speak its `Accept-Language`).
PROBLEM_TITLES = {
    400: _("Bad Request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not Found"),
    405: _("Method Not Allowed"),
    406: _("Not Acceptable"),
    409: _("Conflict"),
    413: _("Request Entity Too Large"),
    415: _("Unsupported Media Type"),
    422: _("Unprocessable Entity"),
    429: _("Too Many Requests"),
    500: _("Internal Server Error"),
    503: _("Service Unavailable"),
}


def problem_title(status: int) -> str:
    title = PROBLEM_TITLES.get(status)
    return str(title) if title is not None else HTTPStatus(status).phrase


class MovedPermanently(exceptions.APIException):
    """An old slug of a live item: `301` to the item's current API path, with a problem body saying so (a
    client that does not follow redirects still learns where the item went)."""

    status_code = 301
    default_code = "moved_permanently"

    def __init__(self, *, location: str, detail: str) -> None:
        super().__init__(detail=detail, code=self.default_code)
        self.location = location


def problem_body(*, status: int, detail: str, code: str, errors: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {
        "type": f"urn:corerecovery:problem:{code}" if code in TYPED_CODES else "about:blank",
        "title": problem_title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    *, status: int, detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    """A problem+json response outside DRF (Django error handlers, health checks)."""
    body = problem_body(status=status, detail=detail, code=code, errors=errors)
    return HttpResponse(dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as a flat map of dotted field paths to messages."""
    if isinstance(data, dict):
        flat: dict[str, list[str]] = {}
        for key, value in data.items():
            name = "body" if key == "non_field_errors" and not prefix else str(key)
            flat.update(_flatten_errors(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(data, list) and data and all(isinstance(item, (str, exceptions.ErrorDetail)) for item in data):
        return {prefix or "body": [str(item) for item in data]}
    if isinstance(data, list):
        flat = {}
        for index, item in enumerate(data):
            flat.update(_flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "body": [str(data)]}


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: turn every handled error into problem+json, keeping DRF's headers."""
    if isinstance(exc, (LeadError, PreviewTokenError, PartnerError)):
        status = DOMAIN_ERROR_STATUS.get(exc.code, 400)
        body = problem_body(status=status, detail=str(exc.detail), code=exc.code)
        return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, MovedPermanently):
        body = problem_body(status=301, detail=str(exc.detail), code=exc.default_code)
        body["location"] = exc.location
        # Bounded like a content response: a browser keeps an uncapped 301 for ever, and the old slug may
        # be given to another item later (which then wins).
        headers = {"Location": exc.location, "Cache-Control": f"public, max-age={settings.CONTENT_MAX_AGE}"}
        return Response(body, status=301, content_type=PROBLEM_CONTENT_TYPE, headers=headers)
    if isinstance(exc, RequestDataTooBig):
        body = problem_body(status=413, detail=gettext("The request body is too large."), code="payload_too_large")
        return Response(body, status=413, content_type=PROBLEM_CONTENT_TYPE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's handler500 answers, and the error is logged
    if isinstance(exc, exceptions.ValidationError):
        body = problem_body(
            status=response.status_code,
            detail=gettext("The request is not valid; see `errors`."),
            code="validation_error",
            errors=_flatten_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(exc, Http404):
            detail, code = "No such resource.", "not_found"
        elif isinstance(exc, PermissionDenied):
            detail, code = "You do not have permission to perform this action.", "permission_denied"
        body = problem_body(
            status=response.status_code,
            detail=str(detail),
            code=code if isinstance(code, str) else "error",
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


# Django-level handlers (config.urls): URLs no view matched, errors outside DRF.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(status=400, detail="The request could not be understood.", code="bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(
        status=403, detail="You do not have permission to perform this action.", code="permission_denied"
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_response(status=404, detail="No such resource.", code="not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(
        status=500,
        detail="An unexpected error occurred. It has been logged; please try again later.",
        code="server_error",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return problem_response(status=403, detail="CSRF verification failed.", code="csrf_failed")
