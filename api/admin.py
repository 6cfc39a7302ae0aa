from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from api.models import ClientAPIKey, Scope


@admin.register(ClientAPIKey)
class ClientAPIKeyAdmin(APIKeyModelAdmin):
    """Keys are shown once, on creation; revoke instead of deleting, so the history stays."""

    list_display = (*APIKeyModelAdmin.list_display, "partner", "scopes", "last_used_at")  # type: ignore[assignment]
    list_filter = (*APIKeyModelAdmin.list_filter, "partner")  # type: ignore[assignment]
    search_fields = (*APIKeyModelAdmin.search_fields, "partner__name")  # type: ignore[assignment]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "scopes":
            # One checkbox per scope, never a JSON list to type.
            return forms.MultipleChoiceField(
                choices=Scope.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label="Scopes",
                help_text="Referral scopes need a partner; a key without one may only read content.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke: a deleted key would take with it the record of whose key it was and when used


# The library's own concrete APIKey model is unused here: keep the admin to the keys that matter.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)
