"""Partners and their API keys in the admin. A key's secret is shown once, on a page of its own."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from rest_framework_api_key.models import APIKey

from partners.models import ClientAPIKey, Partner, Scope


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["liaison_staff"]


@admin.register(ClientAPIKey)
class ClientAPIKeyAdmin(admin.ModelAdmin):
    """Revoke instead of deleting, so the record of whose key it was and when it was used stays."""

    list_display = ["prefix", "name", "partner", "scopes", "created", "expiry_date", "revoked", "last_used_at"]
    list_filter = ["revoked", "partner"]
    search_fields = ["name", "prefix", "partner__name"]
    fields = ["name", "partner", "scopes", "expiry_date", "revoked", "prefix", "created", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A revoked key stays revoked: the library refuses it for good, so the form must not pretend otherwise.
        frozen = ("name", "partner", "scopes", "expiry_date", "revoked") if obj is not None and obj.revoked else ()
        return ("prefix", "created", "last_used_at", *frozen)

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

    def save_model(self, request: HttpRequest, obj: ClientAPIKey, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        secret = ClientAPIKey.objects.assign_key(obj)
        obj.save()
        request._new_api_key = secret  # type: ignore[attr-defined]  # for response_add, below; never stored

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        """The secret on a no-store page of its own, never in a message: Django keeps messages in a cookie or
        the session, where a secret would outlive this one view."""
        secret = getattr(request, "_new_api_key", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "api_key": obj, "secret": secret, "opts": self.opts,
                   "title": "API key: shown this once"}  # fmt: skip
        response = TemplateResponse(request, "admin/partners/clientapikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The library's own concrete APIKey model is unused here: keep the admin to the keys that matter.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)
