"""Refuse oversized request bodies under /api/ before anything reads them (413 problem+json)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from api.exceptions import problem_response


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
