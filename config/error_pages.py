"""Errors outside DRF's views: a page in words for people's pages (the staff workspace, the referral portal),
problem+json for everything else (the API's clients never get HTML)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation

from api import exceptions
from portal.session import partner_user_of

# Pages for people, served as HTML; more adapters (the partners' portal) add their prefix here.
PAGE_PREFIXES = ("/staff/", "/partners/")
# The portal's pages have their own look, nav and language (portal/templates/portal/errors/).
PORTAL_PREFIX = "/partners/"
_PAGES = {
    400: ("errors/400.html", exceptions.bad_request),
    403: ("errors/403.html", exceptions.permission_denied),
    404: ("errors/404.html", exceptions.not_found),
}


def _render(request: HttpRequest, template: str) -> str:
    if not request.path.startswith(PORTAL_PREFIX):
        return loader.render_to_string(template, request=request)
    # In the language the person chose; the portal's own template and navigation, never the staff's.
    if not hasattr(request, "partner_user"):  # a path no portal view answered
        request.partner_user = partner_user_of(request)  # type: ignore[attr-defined]
    with translation.override(translation.get_language_from_request(request)):
        return loader.render_to_string(f"portal/{template}", request=request)


def _page_or_problem(status: int) -> Callable[..., HttpResponse]:
    template, problem = _PAGES[status]

    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if not request.path.startswith(PAGE_PREFIXES):
            return problem(request, exception)
        return HttpResponse(_render(request, template), status=status)

    return handler


bad_request = _page_or_problem(400)
permission_denied = _page_or_problem(403)
not_found = _page_or_problem(404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith(PAGE_PREFIXES):
        return exceptions.server_error(request)
    # No context, no database: whatever failed must not fail the error page too.
    template = "portal/errors/500.html" if request.path.startswith(PORTAL_PREFIX) else "errors/500.html"
    return HttpResponse(loader.get_template(template).render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not request.path.startswith(PAGE_PREFIXES):
        return exceptions.csrf_failure(request, reason)
    return HttpResponse(_render(request, "errors/403_csrf.html"), status=403)
