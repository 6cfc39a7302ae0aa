"""The staff admin: Django's, with optional two-factor sign-in (TOTP, django-otp) when ADMIN_REQUIRE_OTP is on.

Repeated failed sign-ins lock the account out for a while (django-axes, see settings).
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django_otp.forms import OTPAuthenticationForm


class AdminSite(admin.AdminSite):
    site_header = "Core Recovery staff"
    site_title = "Core Recovery staff"

    @property
    def login_form(self) -> Any:  # type: ignore[override]  # Django's attribute, computed at call time
        # Read at call time: the setting decides on each sign-in, not when the module was imported.
        return OTPAuthenticationForm if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_permission(request)
        if allowed and settings.ADMIN_REQUIRE_OTP:
            return bool(request.user.is_verified())  # type: ignore[union-attr]
        return allowed
