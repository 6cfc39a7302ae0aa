"""Settings for mypy's Django plugin only (pyproject.toml): the test settings without modeltranslation's
registrations.

Registering a model for translation swaps its manager for a class made at run time, which the plugin cannot
find: it then types `Program.objects` as a manager of the abstract base and reports every query on a
concrete field. The per-language columns are read by name (content.i18n), so the checker loses nothing.
"""

from config.settings.test import *  # noqa: F403

MODELTRANSLATION_ENABLE_REGISTRATIONS = False
# Without registrations the admin's TranslationAdmin classes cannot be built: no admin autodiscovery here.
INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig" if app == "config.apps.AdminConfig" else app for app in INSTALLED_APPS
]
