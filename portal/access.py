"""Who may open which portal page, and in which language it speaks.

Every portal view is wrapped by `portal_page`: the page speaks the language the person chose (the language
switch's cookie, else the browser's), is never stored by a browser or a proxy, and, unless it is a sign-in
page, needs a partner user signed in to the portal (portal.session); `admin_only` pages need the partner's
admin (403 for a member). Outsiders are sent to the sign-in page, never shown a 500.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from portal import session

View = Callable[..., HttpResponse]


def portal_page(*, signed_in: bool = True, admin_only: bool = False) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            language = translation.get_language_from_request(request)
            with translation.override(language):
                request.partner_user = session.partner_user_of(request)  # type: ignore[attr-defined]
                if signed_in and request.partner_user is None:  # type: ignore[attr-defined]
                    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                    url = reverse("portal:sign-in") + (f"?{query}" if query else "")
                    return HttpResponseRedirect(url)
                if admin_only and not request.partner_user.is_partner_admin:  # type: ignore[attr-defined]
                    raise PermissionDenied
                response = view(request, *args, **kwargs)
                # Render inside the chosen language (a TemplateResponse would render later, outside it).
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
            response["Cache-Control"] = "private, no-store"
            response.setdefault("Content-Language", language)
            return response

        return wrapper

    return decorate


def post_only(*, on_get: Callable[[HttpRequest], HttpResponse]) -> Callable[[View], View]:
    """An action that only a form's POST may do (sign out, invite, remove). A person who lands on its URL by a
    GET (a bookmark, a reload, a link pasted from the address bar) is answered by `on_get` (a page, or a redirect
    to the page where the action is), never a bare 405; other methods still get a 405. Inside `portal_page`, so
    that page speaks the person's language and needs them signed in as the action does."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return on_get(request)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def redirect_to(name: str) -> Callable[[HttpRequest], HttpResponse]:
    """`on_get` for `post_only`: the portal page called `name`, where the action's form is."""
    return lambda request: HttpResponseRedirect(reverse(name))
