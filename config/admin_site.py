"""The staff admin: Django's, with sign-in slowed per account and a TOTP code where ADMIN_REQUIRE_OTP asks for one.

Repeated failed sign-ins for one username from one address lock that pair out for a while (django-axes, see
settings); failures for one username from any address slow its sign-in down (accounts.sign_in_guard).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.forms import StaffAuthenticationForm
from accounts.otp import otp_required


class AdminSite(admin.AdminSite):
    site_header = "Core Recovery staff"
    site_title = "Core Recovery staff"
    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        # "View site" opens the public website (PUBLIC_SITE_URL and the site profile's path), not this API.
        from content.selectors import site_public_url

        context["site_url"] = site_public_url()
        return context

    def has_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_permission(request)
        # Checked on every request, not only at sign-in: a permission or policy change applies at once, and a
        # session from before TOTP was required is refused until its owner signs in again with a code.
        if allowed and otp_required(request.user):
            return bool(request.user.is_verified())  # type: ignore[union-attr]  # set by django-otp's middleware
        return allowed
