"""Who must sign in to the admin with a TOTP code as well as a password: `ADMIN_REQUIRE_OTP`.

- `personal-data` (production's default): every account that can read the personal data of leads, or can give
  itself that permission: `leads.view_personal_data`, managing users or groups, superusers (who hold every
  permission);
- `all`: every account;
- `off` (development's default, so `make run` needs no phone; production only with an explicit `off`).

A code is asked at sign-in (accounts.forms), and the admin refuses a session that was not verified with one
(config.admin_site), so changing the setting or a permission applies at the next request, not the next sign-in.
"""

from typing import Any

from django.conf import settings

OFF = "off"
PERSONAL_DATA = "personal-data"
ALL = "all"
POLICIES = (OFF, PERSONAL_DATA, ALL)

# Holding any of these reads personal data, or grants the right to read it (to oneself as well).
PERSONAL_DATA_PERMISSIONS = ("leads.view_personal_data", "auth.change_user", "auth.change_group")


def otp_required(user: Any) -> bool:
    """Whether `user` must be verified by a TOTP device to use the admin."""
    policy = settings.ADMIN_REQUIRE_OTP
    if policy == ALL:
        return True
    if policy == PERSONAL_DATA:
        return bool(user.is_active and any(user.has_perm(permission) for permission in PERSONAL_DATA_PERMISSIONS))
    return False


def otp_asked() -> bool:
    """Whether the sign-in form shows the code field at all."""
    return bool(settings.ADMIN_REQUIRE_OTP != OFF)
