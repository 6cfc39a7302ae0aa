"""The embeddable referral form: the script partners' pages load (`/embed/…`), and the HTML they paste.

`/embed/v1/referral.js` is version 1 of the form: it changes only compatibly, and its SRI hash (`sha384-…`,
`manage.py embed_snippet`) changes when it does, so a page that pins it keeps exactly what it tested. Browsers keep
it a day and then revalidate with its ETag. `/embed/referral.js` is the newest script, kept five minutes, for a
page that wants every fix at once without SRI.
"""

import base64
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

SCRIPT_PATH = Path(__file__).resolve().parent / "referral.js"
VERSIONED_URL_PATH = "/embed/v1/referral.js"
LATEST_URL_PATH = "/embed/referral.js"
# A day, then a revalidation with the ETag (a 304 costs a few hundred bytes); served stale a week while that
# happens, so a partner's page never waits for us to show its form.
VERSIONED_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
LATEST_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"


@dataclass(frozen=True)
class Script:
    body: bytes
    etag: str
    integrity: str


@functools.cache
def referral_script() -> Script:
    """The script's bytes, strong ETag and SRI hash, read once per process (the file ships with the code)."""
    body = SCRIPT_PATH.read_bytes()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    return Script(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"', integrity=integrity)


def snippet(*, key: str, lang: str = "en", turnstile_site_key: str = "") -> str:
    """The two lines of HTML a partner pastes into a page (docs/partners.md)."""
    script = referral_script()
    base = settings.PUBLIC_API_URL
    turnstile = f' data-turnstile-sitekey="{turnstile_site_key}"' if turnstile_site_key else ""
    return (
        f'<script src="{base}{VERSIONED_URL_PATH}" integrity="{script.integrity}" crossorigin="anonymous" defer>'
        "</script>\n"
        f'<core-recovery-referral data-key="{key}" data-lang="{lang}"{turnstile}></core-recovery-referral>'
    )


def _serve(request: HttpRequest, cache_control: str) -> HttpResponse:
    script = referral_script()
    if script.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(script.body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = script.etag
    response["Cache-Control"] = cache_control
    # Any page may load it, with `crossorigin="anonymous"` (which SRI needs) too; it carries nothing private.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@require_safe
def referral_js_versioned(request: HttpRequest) -> HttpResponse:
    return _serve(request, VERSIONED_CACHE_CONTROL)


@require_safe
def referral_js_latest(request: HttpRequest) -> HttpResponse:
    return _serve(request, LATEST_CACHE_CONTROL)
