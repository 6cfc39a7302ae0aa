"""The language of a content response: `?lang=` if given, else the best of `Accept-Language`, else English.

An explicit `?lang=` that the API does not serve is a 400 problem: the client asked for something precise
and should hear that it does not exist. `Accept-Language` is a browser's general preference, so a header
naming no language we serve (`fr`, `*`, or garbage) simply gets English.
"""

from django.http import HttpRequest
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError

from content.i18n import DEFAULT_LANGUAGE, content_languages

LANG_PARAM = "lang"


def requested_language(request: HttpRequest) -> str | None:
    """The negotiated language code, or None when `?lang=` names one the API does not serve."""
    languages = content_languages()
    if LANG_PARAM in request.GET:
        asked = request.GET[LANG_PARAM].strip().lower()
        return asked if asked in languages else None
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
