"""Django's browser-session middleware, kept off the API; and a warning about an unexpected proxy header.

The API authenticates API keys only (DRF, `api.authentication`): a session cookie means nothing to it, and
it shows no flash messages. Sessions, Django's user and messages are for the admin and for the one page
under /api/ that staff open in a browser, signed in: the acknowledge link of a message. Everywhere else
under /api/ these layers are skipped: less to attack, and some 60 to 80 microseconds of CPU less on every
API request that reaches them (warm content reads are answered above them, by `api.warm_reads`).

Each class subclasses Django's own, so the admin's system checks still find them. CSRF stays Django's own
middleware, for the whole site (`check --deploy` asks for it by name; DRF's views are exempt anyway).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse

from config.client_ip import warn_if_forwarded_without_proxies

API_PREFIX = "/api/"
# The directory API (api.hsds): machines only, like /api/.
DIRECTORY_PREFIX = "/hsds"
# Pages under /api/ that a signed-in member of staff opens in a browser.
BROWSER_PAGES_UNDER_API = ("/api/v1/leads/ack/",)


def uses_browser_session(path: str) -> bool:
    return not path.startswith((API_PREFIX, DIRECTORY_PREFIX)) or path.startswith(BROWSER_PAGES_UNDER_API)


class _BrowserOnly:
    """Runs the middleware it is mixed into only for requests that may use the browser session."""

    def __call__(self, request: HttpRequest) -> Any:
        if uses_browser_session(request.path_info):
            return super().__call__(request)  # type: ignore[misc]
        return self.get_response(request)  # type: ignore[attr-defined]  # set by Django's middleware


class SessionMiddleware(_BrowserOnly, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_BrowserOnly, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, DjangoMessageMiddleware):
    pass


class ForwardedForWarningMiddleware:
    """Warns once per process when requests carry X-Forwarded-For while NUM_PROXIES is 0 (config.client_ip).
    First in the stack: layers below may answer without calling further (redirects, warm content reads)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        warn_if_forwarded_without_proxies(request)
        return self.get_response(request)
