"""Partners and their API keys in the admin. A key's secret is shown once, on a page of its own."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from rest_framework_api_key.models import APIKey

from partners.models import ClientAPIKey, Partner, PartnerUser, Scope, origin_normalise
from partners.selectors import publishable_origins_forget
from partners.services import api_key_display, partner_user_invite, partner_user_remove


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

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [PartnerUserInline] if obj is not None else []

    def get_urls(self) -> list[Any]:
        return [
            path("<int:partner_id>/invite/", self.admin_site.admin_view(self.invite_view),
                 name="partners_partner_invite"),
            *super().get_urls(),
        ]  # fmt: skip

    def invite_view(self, request: HttpRequest, partner_id: int) -> HttpResponse:
        """Invite a person to the portal: the invitation email is sent by partners.services, as by the command."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        partner = get_object_or_404(Partner, pk=partner_id)
        form = PartnerUserInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                partner_user_invite(partner=partner, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                # The address is not repeated here: messages are kept in a cookie or the session.
                messages.success(request, "Invitation sent.")
                return redirect("admin:partners_partner_change", partner.pk)
        context = {**self.admin_site.each_context(request), "form": form, "partner": partner, "opts": self.opts,
                   "title": f"Invite a person of {partner.name} to the referral portal"}  # fmt: skip
        return TemplateResponse(request, "admin/partners/partner/invite.html", context)


class PartnerUserInviteForm(forms.Form):
    email = forms.EmailField()
    name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=PartnerUser.Role.choices, initial=PartnerUser.Role.MEMBER)


class PartnerUserInline(admin.TabularInline):
    """The partner's people, read-only: they are invited (the link above the list) and removed (the action on
    the Partner users page), never typed in, so every account starts with an emailed invitation."""

    model = PartnerUser
    fields = ("email", "name", "role", "sign_in_method", "is_active", "last_sign_in_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartnerUser)
class PartnerUserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "partner", "role", "sign_in_method", "is_active", "last_sign_in_at"]
    list_filter = ["is_active", "role", "partner"]
    search_fields = ["email", "name", "partner__name"]
    fields = ("partner", "email", "name", "role", "sign_in_method", "is_active", "invited_at", "activated_at",
              "last_sign_in_at", "removed_at", "locked_until")  # fmt: skip
    readonly_fields = ["partner", "email", "sign_in_method", "is_active", "invited_at", "activated_at",
                       "last_sign_in_at", "removed_at"]  # fmt: skip
    actions = ["remove_from_portal"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invited from the partner's page or `manage.py invite_partner_user`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removed, kept for the record of the referrals they sent

    @admin.action(description="Remove from the portal (their sessions end; the account is kept)")
    def remove_from_portal(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset.filter(is_active=True):
            partner_user_remove(user=user, by=None)
        messages.success(request, "Removed.")


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
