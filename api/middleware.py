"""Refuse oversized request bodies under /api/ before anything reads them (413 problem+json); a publishable
key anywhere but where it may be used; and a Content-Security-Policy on every response."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from api.authentication import PublishableKeyNotAllowed, is_publishable_key_header
from api.exceptions import problem_response


@functools.cache
def referral_create_path() -> str:
    return reverse("v1:referral-list")


class PublishableKeyMiddleware:
    """A publishable key (`pk_…`) is refused on every URL but `POST /api/v1/referrals/`, before any view runs:
    pages outside DRF (health, HSDS, webhooks, the admin, media) do not read `Authorization` at all and would
    otherwise answer as if the key were not there. It sits above the warm content reads, which answer early."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION")
        if (
            header
            and is_publishable_key_header(header)
            and not (request.method == "POST" and request.path_info == referral_create_path())
        ):
            refused = PublishableKeyNotAllowed()
            return problem_response(status=403, detail=str(refused.detail), code=PublishableKeyNotAllowed.default_code)
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(status=400, detail="Content-Length is not a number.", code="bad_request")
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return problem_response(
                    status=413, detail=f"The request body is larger than {limit} bytes.", code="payload_too_large"
                )
        return self.get_response(request)


# JSON needs nothing from a browser: no script, no style, no framing.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc load their own files (no inline script: the Swagger view is the split one), inline
# styles, icons as data: URLs, ReDoc's web worker from a blob:, its fonts from Google Fonts and its logo.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com; img-src 'self' data: https://cdn.redoc.ly; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_PATHS = ("/api/docs/", "/api/redoc/")
# Pages outside /api/ (the admin and its sign-in): Django's admin loads its own scripts, styles and images
# from the site and has no inline script or style (nor do our admin templates: tests check each page), so
# nothing inline runs, even if a field's value ever slipped through escaping. It posts its forms to itself and
# is never framed.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# The directory API (api.hsds) is JSON for machines too.
JSON_PREFIXES = ("/api/", "/hsds")


def policy_for(path: str) -> str:
    if not path.startswith(JSON_PREFIXES):
        return PAGE_POLICY
    return DOCS_POLICY if path.startswith(DOCS_PATHS) else API_POLICY


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response: strict for the JSON under /api/, what the docs pages need
    for them, and what the admin needs for every page outside /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path)
        return response
