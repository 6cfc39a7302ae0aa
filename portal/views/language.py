"""The language switch: Django's `set_language` (a POST stores the choice in the language cookie and goes back
to the page), and a person who lands on its URL by a GET is sent to the portal, not to the site's root."""

from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from portal.access import portal_page, post_only, redirect_to


@portal_page(signed_in=False)
@post_only(on_get=redirect_to("portal:home"))
def language(request: HttpRequest) -> HttpResponse:
    return set_language(request)
