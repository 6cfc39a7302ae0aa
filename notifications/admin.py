from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications import models, services, tasks


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
