"""Leads: people seeking help, or referred by a partner, and everything that happens to them.

Personal data lives only in `Lead.sealed` (encrypted, see leads.crypto); the other columns hold what staff
and routing need without identifying anyone: kind, program, urgency, state flag, status, attribution.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import Partner, PartnerUser


class LeadKind(models.TextChoices):
    SELF = "self", "Self"
    FAMILY_OR_FRIEND = "family_or_friend", "Family or friend"
    PARTNER_REFERRAL = "partner_referral", "Partner referral"


class LeadSource(models.TextChoices):
    """How the lead reached the center."""

    WEBSITE = "website", "Website"
    PARTNER = "partner", "Partner (API)"
    PHONE = "phone", "Phone or fax"


class LeadStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CONTACTED = "contacted", "Contacted"
    ASSESSMENT_SCHEDULED = "assessment_scheduled", "Assessment scheduled"
    ADMITTED = "admitted", "Admitted"
    NOT_ADMITTED = "not_admitted", "Not admitted"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"


class NotAdmittedReason(models.TextChoices):
    CLINICAL_FIT = "clinical_fit", "Needs a different level of care"
    INSURANCE = "insurance", "Insurance or cost"
    DECLINED = "declined", "Declined treatment"
    CAPACITY = "capacity", "No capacity"
    OUT_OF_STATE = "out_of_state", "Outside Arizona"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class AgeRange(models.TextChoices):
    UNDER_18 = "under_18", "Under 18"
    AGE_18_25 = "18_25", "18 to 25"
    AGE_26_35 = "26_35", "26 to 35"
    AGE_36_50 = "36_50", "36 to 50"
    AGE_51_64 = "51_64", "51 to 64"
    AGE_65_PLUS = "65_plus", "65 or older"


# Statuses a lead leaves no more: the inbox shows the others.
TERMINAL_STATUSES = (LeadStatus.ADMITTED, LeadStatus.NOT_ADMITTED, LeadStatus.REFERRED_ELSEWHERE)


class Lead(models.Model):
    reference = models.CharField(max_length=12, unique=True, editable=False)
    kind = models.CharField(max_length=24, choices=LeadKind.choices)
    source = models.CharField(max_length=8, choices=LeadSource.choices, default=LeadSource.WEBSITE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="entered_leads",
        help_text="The member of staff who entered a lead received by phone or fax.",
    )  # fmt: skip
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    sent_by = models.ForeignKey(
        PartnerUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="sent_referrals",
        help_text="The partner's person who sent the referral through the referral portal.",
    )  # fmt: skip
    status = models.CharField(max_length=24, choices=LeadStatus.choices, default=LeadStatus.RECEIVED)
    status_reason = models.CharField(max_length=24, choices=NotAdmittedReason.choices, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    triage_flags = models.JSONField(default=list, blank=True, help_text="Crisis categories found in the text.")
    program_interest = models.CharField(max_length=120, blank=True, help_text="A program slug, or 'unsure'.")
    state = models.CharField(max_length=2, default="AZ")
    out_of_state = models.BooleanField(default=False, help_text="The licence is Arizona's: staff check first.")
    preferred_contact = models.CharField(max_length=8, choices=ContactMethod.choices, blank=True)
    age_range = models.CharField(max_length=8, choices=AgeRange.choices, blank=True)
    consent_contact = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    sms_disclosure_version = models.CharField(max_length=32, blank=True)
    client_consent_attested = models.BooleanField(default=False, help_text="The partner attests the client agreed.")
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    # Reduced to scheme, host, path and utm_* parameters (leads.services.attribution_url_reduce): a query
    # string or a fragment can carry an email address or a token.
    landing_page = models.CharField(max_length=500, blank=True)
    referrer_url = models.CharField(max_length=500, blank=True)
    # Encrypted personal fields (leads.crypto): names, phone, email, date of birth, message, insurance, best
    # time to contact, and for referrals the referring clinician and the clinical details.
    sealed = models.TextField(blank=True, editable=False)
    # Indexed with received_at (Meta.indexes): the repeat lookup of every submission and staff's search.
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats",
        help_text="The first lead of the same person within the repeat window.",
    )  # fmt: skip
    is_spam = models.BooleanField(
        default=False, help_text="Caught by the honeypot; kept with nothing of what was sent, to count abuse."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_leads"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True, help_text="When staff took the lead on.")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="acknowledged_leads"
    )
    first_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When staff first tried to reach them.")
    escalation_level = models.PositiveSmallIntegerField(default=0, help_text="Times escalated while unacknowledged.")
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person was sent the optional confirmation that we got it."
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=LeadKind.PARTNER_REFERRAL, partner__isnull=False)
                | (~Q(kind=LeadKind.PARTNER_REFERRAL) & Q(partner__isnull=True)),
                name="lead_partner_iff_referral",
            ),
            models.CheckConstraint(condition=Q(consent_sms=False) | ~Q(sms_disclosure_version=""),
                                   name="lead_sms_consent_has_disclosure"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["partner", "-received_at"]),
            # The same person's earlier leads (leads.services._submission_reads), newest first: with the
            # hash alone PostgreSQL combined it with a scan of every lead of the repeat window.
            models.Index(fields=["phone_hash", "-received_at"], name="lead_phone_hash_received"),
            models.Index(fields=["email_hash", "-received_at"], name="lead_email_hash_received"),
            # The inbox: open leads, urgent first, oldest first.
            models.Index(fields=["urgency", "received_at"], condition=~Q(status__in=TERMINAL_STATUSES) & Q(
                is_spam=False), name="lead_open_inbox"),
            # The dashboard (leads.reports): every figure reads these columns of a period's leads, and nothing
            # else, so PostgreSQL answers from this index alone (an index-only scan) instead of reading rows
            # made wide by their sealed personal data (bench/staff.py measured both).
            models.Index(fields=["received_at"], include=[
                "id", "source", "partner", "program_interest", "utm_campaign", "acknowledged_at", "first_attempt_at",
                "status", "status_reason", "urgency"], condition=Q(is_spam=False), name="lead_dashboard"),
        ]  # fmt: skip
        permissions = [
            ("view_personal_data", "Can view the personal data of leads (each view is logged)"),
            ("reassign_lead", "Can reassign leads to other staff"),
            ("view_dashboard", "Can see the intake dashboard (no personal data)"),
            ("view_partner_referrals", "Can follow the referrals of the partners they look after"),
        ]

    def __str__(self) -> str:
        return self.reference


class LeadStatusChange(models.Model):
    """One step of a lead's status history (who, when, from, to, why)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=LeadStatus.choices)
    reason_category = models.CharField(max_length=24, choices=NotAdmittedReason.choices, blank=True)
    sealed_note = models.TextField(blank=True, editable=False, help_text="Encrypted: notes may name people.")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        # The dashboard's funnel: the leads whose history reached a stage, without reading the notes.
        indexes = [models.Index(fields=["to_status", "lead"], name="statuschange_stage_lead")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class ContactAttempt(models.Model):
    """One try at reaching the person: call, text, email or voicemail, and what came of it."""

    class Channel(models.TextChoices):
        CALL = "call", "Call"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        VOICEMAIL = "voicemail", "Voicemail"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached them"
        NO_ANSWER = "no_answer", "No answer"
        LEFT_VOICEMAIL = "left_voicemail", "Left a voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DECLINED = "declined", "Declined"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contact_attempts")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    sealed_note = models.TextField(blank=True, editable=False, help_text="Encrypted: notes may name people.")
    attempted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    attempted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome}"


class LeadEvent(models.Model):
    """The outbox: every state change of a lead, written in the same transaction as the change.

    The notifications app routes each event; `routed_at` stays empty until it has, so an event written
    while Redis or every worker was down is picked up by the sweeper when they return.
    """

    class Kind(models.TextChoices):
        CREATED = "lead.created", "Lead created"
        STATUS_CHANGED = "lead.status_changed", "Status changed"
        ESCALATED = "lead.escalated", "Escalated"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Non-personal facts only (status, urgency): payloads may travel to partners' webhooks.
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], condition=Q(routed_at__isnull=True), name="event_unrouted")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class IdempotencyRecord(models.Model):
    """A write already done for (client, Idempotency-Key): its request fingerprint and its response."""

    client = models.CharField(max_length=100, help_text="partner:<id> or ip:<keyed hash of the address>")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    lead = models.ForeignKey(Lead, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_unique")]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"


class LeadAccessLog(models.Model):
    """Who saw a lead's personal fields, and when (audit trail required for protected health data)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    viewed_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=32, default="view")

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.action} #{self.lead_id}"


class LeadDailyCount(models.Model):
    """The dashboard's roll-up of counts (leads.rollups): for one day of the center's time zone, how many of the
    day's leads (by when they were received, spam excluded) fall under one figure's key. Rebuilt from the leads
    for every day a change touched; never written by hand.

    figure: "source" (per source and partner), "reached" (key: a funnel stage, per source and partner),
    "campaign" (key: UTM campaign, website leads), "program" (key: program slug), "hours" (key: inside or
    outside business hours), "within_5" and "within_15" (key: inside or outside; answered within the target),
    "not_admitted" (key: reason category).
    """

    day = models.DateField()
    figure = models.CharField(max_length=16)
    source = models.CharField(max_length=8, blank=True)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["figure", "day"], include=["source", "partner", "key", "n"],
                         name="dailycount_figure_day"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.source}{self.partner_id or ''} {self.key}: {self.n}"


class LeadWeeklySpeed(models.Model):
    """The dashboard's roll-up of speed to lead (leads.rollups): for one week (its Monday, in the center's time
    zone) of received leads, the exact count, median and 90th percentile of the seconds to acknowledge and to a
    first contact attempt, as leads.reports.speed_by_week computes them over the week's leads. Rebuilt whenever a
    change touches a day of the week; percentiles are not additive, and the dashboard shows them per week."""

    week = models.DateField(unique=True)
    acknowledge_n = models.PositiveIntegerField()
    acknowledge_median = models.FloatField(null=True)
    acknowledge_p90 = models.FloatField(null=True)
    first_attempt_n = models.PositiveIntegerField()
    first_attempt_median = models.FloatField(null=True)
    first_attempt_p90 = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"week of {self.week}"


class LeadRollupPending(models.Model):
    """Days whose roll-up a change made out of date: written in the same transaction as the change, and removed
    once the days are rebuilt (leads.rollups.rollup_refresh)."""

    first_day = models.DateField()
    last_day = models.DateField()

    def __str__(self) -> str:
        return f"{self.first_day} to {self.last_day}"
