"""The language of a content response: `?lang=` if given, else the best of `Accept-Language`, else English.

An explicit `?lang=` that the API does not serve is a 400 problem: the client asked for something precise
and should hear that it does not exist. `Accept-Language` is a browser's general preference, so a header
naming no language we serve (`fr`, `*`, or garbage) simply gets English.

A submission (`POST /api/v1/leads/`, `/api/v1/referrals/`) says why it refused in the language of
`Accept-Language` alone (`SubmissionLanguageMixin`): a person reads those words beside a form's fields.
"""

from typing import Any, NoReturn

from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from api.throttling import SubmissionThrottled
from content.i18n import DEFAULT_LANGUAGE, content_languages

LANG_PARAM = "lang"


def requested_language(request: HttpRequest) -> str | None:
    """The negotiated language code, or None when `?lang=` names one the API does not serve."""
    languages = content_languages()
    if LANG_PARAM in request.GET:
        asked = request.GET[LANG_PARAM].strip().lower()
        return asked if asked in languages else None
    return accepted_language(request)


def accepted_language(request: HttpRequest) -> str:
    """The best language of `Accept-Language` among those the API serves; English for none, `*` or garbage."""
    languages = content_languages()
    header = request.META.get("HTTP_ACCEPT_LANGUAGE")
    if not header:
        return DEFAULT_LANGUAGE
    # Parsed and cached by Django (at most 1,000 distinct headers), in descending order of quality.
    for tag, quality in parse_accept_lang_header(header):
        if quality <= 0:
            continue
        if tag == "*":
            return DEFAULT_LANGUAGE
        primary = tag.split("-", 1)[0]
        if primary in languages:
            return primary
    return DEFAULT_LANGUAGE


def response_language(request: HttpRequest) -> str:
    """As `requested_language`, raising a 400 problem for a `?lang=` the API does not serve."""
    lang = requested_language(request)
    if lang is None:
        raise ValidationError({LANG_PARAM: [f"Use one of: {', '.join(content_languages())}."]})
    return lang


class SubmissionLanguageMixin(APIView):
    """A submission's refusals (`POST`) in the language of `Accept-Language`: Spanish for `es`, `es-MX`, …;
    English for anything the API does not serve, none or `*`. Only the words change: field names, `code`s and
    `type`s are the same in every language, and success bodies are the view's own. Over its rate, a submission
    is told when to try again in minutes (api.throttling.SubmissionThrottled).

    The view runs, and its problem is built, with that language active (DRF's and Django's own messages come
    from their catalogs, ours from api/, leads/ and partners/ `locale/`). A problem answers `Content-Language`;
    every answer to a POST varies on `Accept-Language`; reads (a partner's referrals) are left as they were.
    Not Django's LocaleMiddleware: content responses negotiate their language themselves (`?lang=`, above), and
    the edge keys them by it.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        lang = accepted_language(request)
        # DRF renders the body later, outside this block: every message in it is a plain string by then.
        with translation.override(lang):
            response = super().dispatch(request, *args, **kwargs)
        if response.status_code >= 400:
            response["Content-Language"] = lang
        patch_vary_headers(response, ["Accept-Language"])
        return response

    def throttled(self, request: Request, wait: float) -> NoReturn:
        if request.method != "POST":
            super().throttled(request, wait)
        raise SubmissionThrottled(wait)
