"""The default groups and routing rules (`seed_routing`), and demo staff for `make run`."""

from typing import Any

from django.db import transaction

from notifications.models import Recipient, RoutingRule, StaffGroup

GROUPS = {
    "admissions": "Admissions",
    "admissions-lead": "Admissions lead",
    "on-call": "On-call",
    "clinical-director": "Clinical director",
    "partner-liaison": "Partner liaison",
}

# (name, conditions, groups, channels, include partner liaisons)
RULES: list[tuple[str, dict[str, Any], list[str], list[str], bool]] = [
    ("Every new lead: admissions by email", {"event_kinds": ["lead.created"]}, ["admissions"], ["email"], False),
    ("Urgent lead: on-call by SMS and email", {"event_kinds": ["lead.created"], "urgency": "urgent"},
     ["on-call"], ["sms", "email"], False),
    ("After hours: on-call by SMS and email", {"event_kinds": ["lead.created"], "hours": "outside"},
     ["on-call"], ["sms", "email"], False),
    ("Partner referral: that partner's liaison by email",
     {"event_kinds": ["lead.created", "lead.status_changed"], "lead_kinds": ["partner_referral"]},
     ["partner-liaison"], ["email"], True),
    ("Not acknowledged (1st escalation): on-call by SMS and email",
     {"event_kinds": ["lead.escalated"], "escalation_level": 1}, ["on-call"], ["sms", "email"], False),
    ("Not acknowledged (2nd escalation): clinical director by SMS and email",
     {"event_kinds": ["lead.escalated"], "escalation_level": 2}, ["clinical-director"], ["sms", "email"], False),
]  # fmt: skip

# Synthetic staff for the embedded set-up: example.org addresses and 555 numbers reach nobody.
DEMO_STAFF = [
    ("Admissions (demo)", "admissions@example.org", "+16025550101", ["admissions", "admissions-lead"]),
    ("On-call clinician (demo)", "on-call@example.org", "+16025550102", ["on-call"]),
    ("Clinical director (demo)", "director@example.org", "+16025550103", ["clinical-director"]),
]


@transaction.atomic
def routing_install(*, demo_staff: bool = False) -> tuple[int, int]:
    """Create the default groups and rules that are missing (by name); returns (groups, rules) created."""
    groups = {}
    groups_created = 0
    for slug, name in GROUPS.items():
        groups[slug], created = StaffGroup.objects.get_or_create(slug=slug, defaults={"name": name})
        groups_created += created
    rules_created = 0
    for order, (name, conditions, group_slugs, channels, liaisons) in enumerate(RULES, start=1):
        defaults: dict[str, Any] = {"order": order, "channels": channels, "include_partner_liaisons": liaisons}
        rule, created = RoutingRule.objects.get_or_create(name=name, defaults={**defaults, **conditions})
        if created:
            rule.groups.set([groups[slug] for slug in group_slugs])
            rules_created += 1
    if demo_staff:
        for name, email, phone, group_slugs in DEMO_STAFF:
            person, created = Recipient.objects.get_or_create(
                name=name, defaults={"email": email, "phone": phone, "channels": ["email", "sms"]}
            )
            if created:
                person.groups.set([groups[slug] for slug in group_slugs])
    return groups_created, rules_created
