"""Errors outside DRF's views: a page in words for people's pages (the staff workspace), problem+json for
everything else (the API's clients never get HTML)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader

from api import exceptions

# Pages for people, served as HTML; more adapters (the partners' portal) add their prefix here.
PAGE_PREFIXES = ("/staff/",)
_PAGES = {
    400: ("errors/400.html", exceptions.bad_request),
    403: ("errors/403.html", exceptions.permission_denied),
    404: ("errors/404.html", exceptions.not_found),
}


def _page_or_problem(status: int) -> Callable[..., HttpResponse]:
    template, problem = _PAGES[status]

    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if not request.path.startswith(PAGE_PREFIXES):
            return problem(request, exception)
        return HttpResponse(loader.render_to_string(template, request=request), status=status)

    return handler


bad_request = _page_or_problem(400)
permission_denied = _page_or_problem(403)
not_found = _page_or_problem(404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith(PAGE_PREFIXES):
        return exceptions.server_error(request)
    # No context, no database: whatever failed must not fail the error page too.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not request.path.startswith(PAGE_PREFIXES):
        return exceptions.csrf_failure(request, reason)
    return HttpResponse(loader.render_to_string("errors/403_csrf.html", request=request), status=403)
