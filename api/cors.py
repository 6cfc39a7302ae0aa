"""CORS for the embeddable referral form: the origins of publishable keys, not the global CORS_ALLOWED_ORIGINS.

django-cors-headers asks its `check_request_enabled` signal about an origin its settings do not list. The answer
here is yes for `/api/v1/referrals/` from an origin of some usable publishable key (partners.selectors, a cached
set): a CORS preflight carries no key, so it cannot be checked against one. The referral itself then is, by
api.authentication: its key's own origins, or a 403 the page can read (the answer carries CORS headers).
"""

from typing import Any

from django.http import HttpRequest

from api.authentication import is_publishable_key_header
from api.middleware import referral_create_path
from partners.selectors import publishable_origins


def allow_publishable_key_origins(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    # Called for every request outside CORS_URLS_REGEX and every unlisted origin: the path first, no lookup.
    if request.path_info != referral_create_path():
        return False
    origin = request.headers.get("Origin")
    if not origin:
        return False
    if request.method == "POST" and is_publishable_key_header(request.headers.get("Authorization", "")):
        # The referral itself, with its key: api.authentication checks the origin against the key's own list
        # (403 otherwise, which the page may read). A browser sends it only after a preflight, which carries no
        # key and is answered from the set below; so no read of the set here, on every submission.
        return True
    return origin in publishable_origins()
