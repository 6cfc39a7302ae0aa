"""Who may open which staff page: signed in through Django's sign-in (axes lockout, TOTP where required), then
a permission per page. A missing permission is a 403 page, never a redirect loop or a 500."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from accounts.otp import otp_required

View = Callable[..., HttpResponse]


def staff_page(*permissions: str, any_of: bool = False) -> Callable[[View], View]:
    """The view needs a signed-in member of staff with every permission named (or one of them, `any_of`)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            # The same bar as the admin's: a staff account, verified by TOTP where the policy asks for a code.
            signed_in = user.is_authenticated and user.is_active and user.is_staff
            if not signed_in or (otp_required(user) and not user.is_verified()):  # type: ignore[union-attr]
                return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
            check = any if any_of else all
            if permissions and not check(user.has_perm(permission) for permission in permissions):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            # Pages with leads on them are never stored by a browser or a proxy.
            response["Cache-Control"] = "private, no-store"
            return response

        return wrapper

    return decorate
