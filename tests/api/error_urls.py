"""The project's URLs plus views that fail on purpose, for the problem+json tests."""

from django.urls import path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import api_view, authentication_classes
from rest_framework.request import Request

from config.urls import urlpatterns as project_urlpatterns


class ChallengeOnly(BaseAuthentication):
    """Authenticates nobody; names a scheme, so DRF answers 401 rather than 403."""

    def authenticate(self, request):
        return None

    def authenticate_header(self, request):
        return "Api-Key"


@api_view(["GET"])
@authentication_classes([ChallengeOnly])
def needs_credentials(request: Request):
    raise exceptions.NotAuthenticated()


@api_view(["GET"])
def forbidden(request: Request):
    raise exceptions.PermissionDenied()


@api_view(["GET"])
def broken(request: Request):
    raise RuntimeError("boom with a secret: jane@example.org")


def broken_plain_django(request):
    raise RuntimeError("boom outside DRF")


urlpatterns = [
    path("api/v1/test/401/", needs_credentials),
    path("api/v1/test/403/", forbidden),
    path("api/v1/test/500/", broken),
    path("api/v1/test/500-django/", broken_plain_django),
    *project_urlpatterns,
]

handler400 = "api.exceptions.bad_request"
handler403 = "api.exceptions.permission_denied"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
