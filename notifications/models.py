"""Who hears of a lead, and how: staff, groups, routing rules, and one row per message sent."""

from django.db import models
from django.db.models import Q

from leads.models import LeadEvent, LeadKind
from partners.models import Partner


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class StaffGroup(models.Model):
    """admissions, on_call, clinical_director, partner_liaison, …"""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """A member of staff who receives notifications."""

    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +16025550123")
    channels = models.JSONField(default=list, help_text='Channels this person accepts: "email", "sms".')
    is_active = models.BooleanField(default=True)
    groups = models.ManyToManyField(StaffGroup, related_name="recipients", blank=True)
    liaison_for = models.ManyToManyField(
        Partner, blank=True, related_name="liaisons", help_text="Partners whose referrals this person follows."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def address(self, channel: str) -> str:
        return self.email if channel == Channel.EMAIL else self.phone

    def accepts(self, channel: str) -> bool:
        return channel in self.channels and bool(self.address(channel))


class RoutingRule(models.Model):
    """A condition on an event and the groups and channels it reaches.

    Every active rule that matches applies (not only the first), and the recipients of all of them are
    merged: one message per (event, recipient, channel) whatever the overlap. An empty condition matches
    anything.
    """

    class Hours(models.TextChoices):
        ANY = "any", "Any time"
        INSIDE = "inside", "Inside business hours"
        OUTSIDE = "outside", "Outside business hours"

    class Flag(models.TextChoices):
        ANY = "any", "Any"
        YES = "yes", "Yes"
        NO = "no", "No"

    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    event_kinds = models.JSONField(default=list, blank=True, help_text="Event kinds, e.g. lead.created; empty: any.")
    lead_kinds = models.JSONField(default=list, blank=True, help_text=f"Any of {', '.join(LeadKind.values)}.")
    program_interests = models.JSONField(default=list, blank=True, help_text="Program slugs or 'unsure'.")
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE)
    urgency = models.CharField(max_length=8, blank=True, help_text="routine or urgent; empty: any.")
    hours = models.CharField(max_length=8, choices=Hours.choices, default=Hours.ANY)
    out_of_state = models.CharField(max_length=4, choices=Flag.choices, default=Flag.ANY)
    escalation_level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For lead.escalated: the level this rule handles; empty: any."
    )
    groups = models.ManyToManyField(StaffGroup, blank=True, related_name="rules")
    include_partner_liaisons = models.BooleanField(
        default=False, help_text="Also the liaisons of the referring partner."
    )
    channels = models.JSONField(default=list, help_text='"email", "sms", or both.')

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """One message of one event to one recipient on one channel: created once, sent at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(LeadEvent, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True, help_text="Provider error; never message content.")
    fallback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ack_used_at = models.DateTimeField(null=True, blank=True, help_text="When its acknowledge link was used.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "channel"], name="notification_once_per_channel")
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(status="pending"), name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient_id} for event {self.event_id}"


class WebhookEvent(models.TextChoices):
    CONTENT_PUBLISHED = "content.published", "Content published"
    CONTENT_UPDATED = "content.updated", "Content updated"
    CONTENT_UNPUBLISHED = "content.unpublished", "Content unpublished"
    REFERRAL_STATUS_CHANGED = "referral.status_changed", "Referral status changed (partner endpoints only)"


class WebhookEndpoint(models.Model):
    """A URL of the center's website or of a partner that receives signed events (Standard Webhooks).

    The signing secret is sealed at rest (the same Fernet keys as leads) and shown once; after a rotation
    the previous secret also signs until `previous_secret_expires_at`, so a receiver can switch over.
    """

    url = models.URLField(max_length=500, help_text="https only; never a private, loopback or link-local address.")
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="The partner that owns this endpoint; empty for the center's own website.",
    )
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    description = models.CharField(max_length=200, blank=True)
    sealed_secret = models.TextField(editable=False)
    sealed_previous_secret = models.TextField(editable=False, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.partner or 'website'}: {self.url}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: created once, delivered at most once successfully, retried with backoff.

    `message_id` is the `webhook-id` header, the same on every attempt, so a receiver can drop repeats.
    `payload` is the exact JSON text signed and sent, never personal data.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled (endpoint disabled)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The outbox row this delivery comes from: "content:<id>" or "lead:<id>".
    source = models.CharField(max_length=40)
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=32, choices=WebhookEvent.choices)
    payload = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "webhook deliveries"
        # (source, endpoint): the index also serves the lookup of an event's deliveries by source.
        constraints = [models.UniqueConstraint(fields=["source", "endpoint"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what the receiver answered and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=200, blank=True, help_text="Connection error class or refusal reason.")
    response_excerpt = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} in {self.duration_ms} ms"


class EdgePurge(models.Model):
    """The surrogate keys one content change purges from the edge (notifications.edge): recorded once per
    source, purged at least once, retried with backoff, and shown in the admin with how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PURGED = "purged", "Purged"
        FAILED = "failed", "Failed (staff alerted)"

    # What asked for it: "content:<event id>", or "manual:<uuid>" (the admin, the seed).
    source = models.CharField(max_length=60, unique=True)
    keys = models.JSONField(default=list, help_text="Surrogate keys (Surrogate-Key, Cache-Tag) purged.")
    backend = models.CharField(max_length=100, help_text="EDGE_BACKEND when it was recorded.")
    soft = models.BooleanField(default=False, help_text="Marked stale (revalidated) rather than removed.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    # The last attempt's time over every request it made, and the objects the edge said it purged (Varnish).
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    requests = models.PositiveSmallIntegerField(default=0, help_text="API calls of the last attempt (batches).")
    objects_purged = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="edge_purge_due")]

    def __str__(self) -> str:
        return f"{len(self.keys)} keys from {self.source}"
