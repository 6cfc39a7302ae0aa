from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in to the admin: per-account slowing, the two-factor policy, TOTP enrolment."""

    name = "accounts"
    verbose_name = "Staff sign-in"
