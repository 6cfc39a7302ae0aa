"""Which staff hear of an event, on which channels. Every matching rule applies (see RoutingRule)."""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F

from leads.models import Lead, LeadEvent
from notifications.models import Recipient, RoutingRule


def is_business_hours(moment: datetime) -> bool:
    """Inside the center's hours, in America/Phoenix (which keeps no daylight saving time)."""
    local = moment.astimezone(ZoneInfo(settings.BUSINESS_TIME_ZONE))
    opens, closes = (time.fromisoformat(part) for part in settings.BUSINESS_HOURS.split("-"))
    return local.weekday() in settings.BUSINESS_DAYS and opens <= local.time() < closes


def _flag_matches(flag: str, value: bool) -> bool:
    return flag == RoutingRule.Flag.ANY or (flag == RoutingRule.Flag.YES) == value


def rule_matches(rule: RoutingRule, *, event: LeadEvent, lead: Lead, at: datetime) -> bool:
    hours_ok = rule.hours == RoutingRule.Hours.ANY or (rule.hours == RoutingRule.Hours.INSIDE) == is_business_hours(at)
    level = event.payload.get("escalation_level")
    return (
        (not rule.event_kinds or event.kind in rule.event_kinds)
        and (not rule.lead_kinds or lead.kind in rule.lead_kinds)
        and (not rule.program_interests or lead.program_interest in rule.program_interests)
        and (rule.partner_id is None or rule.partner_id == lead.partner_id)
        and (not rule.urgency or rule.urgency == lead.urgency)
        and hours_ok
        and _flag_matches(rule.out_of_state, lead.out_of_state)
        and (rule.escalation_level is None or rule.escalation_level == level)
    )


@dataclass(frozen=True)
class Target:
    recipient: Recipient
    channel: str


def targets_for(*, event: LeadEvent, at: datetime) -> list[Target]:
    """Every (recipient, channel) the matching rules reach, once each, in a stable order."""
    return targets_for_events(events=[event], at=at)[event.pk]


def targets_for_events(*, events: list[LeadEvent], at: datetime) -> dict[int, list[Target]]:
    """`targets_for` of each event (by id), with the rules and their groups' members read once for all.

    A burst routes its waiting events in batches (services.events_route): per event, a read of the rules and
    one of the members were most of the routing's round trips to PostgreSQL (bench/speed_to_lead.py).
    """
    active_rules = list(RoutingRule.objects.filter(is_active=True))
    matching = {
        event.pk: [rule for rule in active_rules if rule_matches(rule, event=event, lead=event.lead, at=at)]
        for event in events
    }
    # The active members of the matching rules' groups in one query, a row per (recipient, rule): a prefetch
    # of groups and then recipients took two more round trips.
    rule_ids = {rule.pk for rules in matching.values() for rule in rules}
    members: dict[int, list[Recipient]] = {}
    if rule_ids:
        for member in (
            Recipient.objects.filter(is_active=True)
            .annotate(rule_id=F("groups__rules__id"))
            .filter(rule_id__in=sorted(rule_ids))
        ):
            members.setdefault(member.rule_id, []).append(member)
    liaisons: dict[int, list[Recipient]] = {}
    targets: dict[int, list[Target]] = {}
    for event in events:
        lead = event.lead
        chosen: dict[tuple[int, str], Target] = {}
        for rule in matching[event.pk]:
            people = list(members.get(rule.pk, []))
            if rule.include_partner_liaisons and lead.partner_id:
                if lead.partner_id not in liaisons:
                    liaisons[lead.partner_id] = list(Recipient.objects.filter(liaison_for=lead.partner_id))
                people += liaisons[lead.partner_id]
            for person in people:
                for channel in rule.channels:
                    if person.is_active and person.accepts(channel):
                        chosen.setdefault((person.pk, channel), Target(person, channel))
        targets[event.pk] = [chosen[key] for key in sorted(chosen)]
    return targets
