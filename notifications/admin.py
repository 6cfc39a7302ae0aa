from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from notifications import edge, models, services, tasks, webhooks


@admin.register(models.StaffGroup)
class StaffGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "channels", "is_active"]
    list_filter = ["is_active", "groups"]
    search_fields = ["name", "email"]
    filter_horizontal = ["groups", "liaison_for"]


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "event_kinds", "urgency", "hours", "channels", "is_active"]
    list_display_links = ["name"]
    list_editable = ["order", "is_active"]
    filter_horizontal = ["groups"]


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "lead_reference", "event_kind", "recipient", "channel", "status", "attempts",
                    "sent_at", "delivered_at", "last_error"]  # fmt: skip
    list_filter = ["status", "channel", "event__kind", "created_at"]
    search_fields = ["event__lead__reference", "provider_message_id"]
    list_select_related = ["event__lead", "recipient"]
    readonly_fields = [field.name for field in models.Notification._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="lead", ordering="event__lead__reference")
    def lead_reference(self, notification: models.Notification) -> str:
        return notification.event.lead.reference

    @admin.display(description="event", ordering="event__kind")
    def event_kind(self, notification: models.Notification) -> str:
        return notification.event.kind

    @admin.action(description="Resend selected notifications", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[models.Notification]) -> None:
        ids: list[Any] = list(queryset.values_list("id", flat=True))
        for notification_id in ids:
            services.notification_resend(notification_id=notification_id)
            tasks.deliver_notification.delay(notification_id)
        self.message_user(request, f"{len(ids)} notification(s) queued again.", messages.SUCCESS)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text=models.WebhookEndpoint.url.field.help_text)
    events = forms.MultipleChoiceField(
        choices=models.WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Referral events go only to a partner's endpoint, and only for that partner's referrals.",
    )

    class Meta:
        model = models.WebhookEndpoint
        fields = ["url", "partner", "events", "description", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "url" in cleaned and "events" in cleaned:
            try:
                webhooks.webhook_endpoint_check(
                    url=cleaned["url"],
                    events=list(cleaned["events"]),
                    partner=cleaned.get("partner"),
                    check_url=self.instance.pk is None or self.instance.url != cleaned["url"],
                )
            except ValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
        return cleaned


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "partner", "events", "is_active", "disabled_reason", "previous_secret_expires_at"]
    list_filter = ["is_active", "partner"]
    search_fields = ["url", "description"]
    readonly_fields = ["disabled_reason", "previous_secret_expires_at", "created_at", "updated_at"]
    actions = ["rotate_secret", "enable"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        secret = webhooks.webhook_endpoint_save(endpoint=obj, url_checked=True)  # the form just checked it
        if secret is not None:
            request._new_webhook_secret = secret  # type: ignore[attr-defined]  # for response_add, below

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        secret = getattr(request, "_new_webhook_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _secrets_page(request, [(obj, secret)], rotated=False)

    @admin.action(description="Rotate the signing secret (the old one keeps signing during the overlap)",
                  permissions=["change"])  # fmt: skip
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[models.WebhookEndpoint]) -> HttpResponse:
        secrets = [(endpoint, webhooks.webhook_secret_rotate(endpoint=endpoint)) for endpoint in queryset]
        return _secrets_page(request, secrets, rotated=True)

    @admin.action(description="Enable selected endpoints again", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[models.WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.webhook_endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"{len(queryset)} endpoint(s) enabled.", messages.SUCCESS)


def _secrets_page(request: HttpRequest, secrets: list[tuple[Any, str]], *, rotated: bool) -> HttpResponse:
    """Secrets are shown on a page of their own, never in a message: Django keeps messages in a cookie or
    the session, where a secret would outlive this one view."""
    context = {**admin.site.each_context(request), "secrets": secrets, "rotated": rotated}
    response = TemplateResponse(request, "admin/notifications/webhookendpoint/secrets.html", context)
    response["Cache-Control"] = "no-store"
    return response


class WebhookAttemptInline(admin.TabularInline):
    model = models.WebhookAttempt
    fields = readonly_fields = ("attempted_at", "status_code", "duration_ms", "error", "response_excerpt")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_type", "endpoint", "status", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at"]  # fmt: skip
    list_filter = ["status", "event_type", "endpoint"]
    search_fields = ["message_id", "source"]
    list_select_related = ["endpoint__partner"]
    readonly_fields = [field.name for field in models.WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Redeliver selected deliveries", permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[models.WebhookDelivery]) -> None:
        deliveries = list(queryset)
        for delivery in deliveries:
            webhooks.webhook_redeliver(delivery=delivery)
            tasks.deliver_webhook.delay(delivery.pk)
        self.message_user(request, f"{len(deliveries)} delivery(ies) queued again.", messages.SUCCESS)


@admin.register(models.EdgePurge)
class EdgePurgeAdmin(admin.ModelAdmin):
    """Every purge of the edge (notifications.edge): what, where, how long, how it went."""

    list_display = ["created_at", "source", "backend", "key_count", "soft", "status", "attempts", "duration_ms",
                    "objects_purged", "purged_at", "last_error"]  # fmt: skip
    list_filter = ["status", "backend", "soft"]
    search_fields = ["source"]
    readonly_fields = [field.name for field in models.EdgePurge._meta.fields]
    actions = ["purge_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="keys")
    def key_count(self, purge: models.EdgePurge) -> int:
        return len(purge.keys)

    @admin.action(description="Purge again", permissions=["change"])
    def purge_again(self, request: HttpRequest, queryset: QuerySet[models.EdgePurge]) -> None:
        purges = list(queryset)
        for purge in purges:
            edge.edge_purge_retry(purge=purge)
            tasks.purge_edge.delay(purge.pk)
        self.message_user(request, f"{len(purges)} purge(s) queued again.", messages.SUCCESS)
