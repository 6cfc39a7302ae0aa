"""Partners and their API keys in the admin. A key's secret is shown once, on a page of its own."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from rest_framework_api_key.models import APIKey

from partners.models import ClientAPIKey, Partner, Scope, origin_normalise
from partners.selectors import publishable_origins_forget
from partners.services import api_key_display


class OriginLinesField(forms.CharField):
    """A list of origins as one per line, never JSON to type; each checked and normalised (partners.models)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        origins: list[str] = []
        errors: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                origins.append(origin_normalise(line))
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return origins


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

    list_display = [
        "prefix", "name", "kind", "partner", "scopes", "created", "expiry_date", "revoked", "last_used_at",
    ]  # fmt: skip
    list_filter = ["kind", "revoked", "partner"]
    search_fields = ["name", "prefix", "partner__name"]
    fields = [
        "name", "kind", "partner", "scopes", "allowed_origins", "expiry_date", "revoked", "prefix", "created",
        "last_used_at",
    ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A revoked key stays revoked: the library refuses it for good, so the form must not pretend otherwise.
        frozen = (
            ("name", "partner", "scopes", "allowed_origins", "expiry_date", "revoked")
            if obj is not None and obj.revoked
            else ()
        )
        # A key's kind is what its holder was given (`pk_…` or not): it cannot change after issue.
        kind = ("kind",) if obj is not None else ()
        return ("prefix", "created", "last_used_at", *kind, *frozen)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "scopes":
            # One checkbox per scope, never a JSON list to type.
            return forms.MultipleChoiceField(
                choices=Scope.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label="Scopes",
                help_text="Referral scopes need a partner; a key without one may only read content. A "
                "publishable key has referrals:write only.",
            )
        if db_field.name == "allowed_origins":
            return OriginLinesField(
                required=False,
                label="Allowed origins",
                help_text="Publishable keys only: one origin per line, scheme://host[:port], e.g. "
                "https://www.partner.example. The form works on pages of these origins only.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ClientAPIKey, form: Any, change: bool) -> None:
        if change:
            obj.save()
        else:
            secret = ClientAPIKey.objects.assign_key(obj)
            obj.save()
            # For response_add, below; never stored.
            request._new_api_key = api_key_display(api_key=obj, secret=secret)  # type: ignore[attr-defined]
        # CORS preflights read the publishable keys' origins from a cache: a change applies at once.
        publishable_origins_forget()

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
