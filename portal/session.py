"""The portal's own session, apart from the staff's.

Why not Django's `django.contrib.auth` session: it holds one kind of user, and staff use it for the admin and
`/staff/`. Partner people are another model (`partners.PartnerUser`, never an auth user), and their session is
kept in Django's session store (cached_db) under a cookie of its own, `cr_partner_session`, limited to `/partners/`:

- the browser never sends it to `/admin/` or `/staff/`, and nothing there reads it; there `request.user` stays
  anonymous, so a partner user can never pass the admin's or the staff pages' checks;
- the portal reads only this cookie, never `request.user`: a staff session is not a partner session;
- signing out of one never signs out of the other.

The session stores the person's id and `session_version`; removing the person or changing how they sign in
raises the version, which ends every session opened before (partners.selectors.partner_user_for_session).

A magic link is bound to the browser that asked for it by `cr_partner_browser`, a random nonce in a cookie
(also limited to `/partners/`, HttpOnly): the link stores the nonce's hash, and is refused without it.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.http import HttpRequest, HttpResponse

from partners.models import PartnerUser
from partners.selectors import partner_user_for_session

COOKIE = "cr_partner_session"
BROWSER_COOKIE = "cr_partner_browser"
PATH = "/partners/"
# A working day; the person signs in again the next morning.
SESSION_LIFETIME = timedelta(hours=10)
# Longer than a magic link lives (15 minutes), so the link still finds it.
BROWSER_COOKIE_LIFETIME = timedelta(hours=1)
_USER = "partner_user_id"
_VERSION = "partner_session_version"


def _store(session_key: str | None = None) -> Any:
    # Django's cached_db store: read from the cache (Redis in production, local memory under `make run`), kept
    # in the database too, so a cache flush signs nobody out. Every request of the portal reads it.
    return SessionStore(session_key=session_key)


def partner_user_of(request: HttpRequest) -> PartnerUser | None:
    """The partner user this browser is signed in as, or None."""
    key = request.COOKIES.get(COOKIE)
    if not key:
        return None
    store = _store(key)
    user_id, version = store.get(_USER), store.get(_VERSION)
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    return partner_user_for_session(user_id=user_id, session_version=version)


def _cookie(response: HttpResponse, name: str, value: str, lifetime: timedelta) -> None:
    response.set_cookie(
        name, value, max_age=int(lifetime.total_seconds()), path=PATH, secure=settings.SESSION_COOKIE_SECURE,
        httponly=True, samesite="Lax",
    )  # fmt: skip


def session_start(request: HttpRequest, response: HttpResponse, *, user: PartnerUser) -> None:
    """A new session (a new key: never one the browser brought) for `user`; an earlier one is ended."""
    session_end(request, response)
    store = _store()
    store[_USER], store[_VERSION] = user.pk, user.session_version
    store.set_expiry(int(SESSION_LIFETIME.total_seconds()))
    store.create()
    _cookie(response, COOKIE, store.session_key, SESSION_LIFETIME)


def session_end(request: HttpRequest, response: HttpResponse) -> None:
    key = request.COOKIES.get(COOKIE)
    if key:
        _store(key).delete()
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")


def browser_nonce(request: HttpRequest) -> str:
    """This browser's nonce, or a new one (set on the response with `browser_nonce_keep`)."""
    return request.COOKIES.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)


def browser_nonce_keep(response: HttpResponse, nonce: str) -> None:
    _cookie(response, BROWSER_COOKIE, nonce, BROWSER_COOKIE_LIFETIME)
