from datetime import UTC, datetime

import pytest

from notifications.models import Recipient, RoutingRule
from notifications.routing import is_business_hours, targets_for
from tests.notifications.conftest import make_event, make_lead, make_partner

pytestmark = pytest.mark.django_db

# 2026-11-25 is a Wednesday. Phoenix is UTC-7 all year.
WEDNESDAY_10AM = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
WEDNESDAY_9PM = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)


def chosen(event, at=WEDNESDAY_10AM) -> set[tuple[str, str]]:
    return {(target.recipient.name, target.channel) for target in targets_for(event=event, at=at)}


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (WEDNESDAY_10AM, True),
        (WEDNESDAY_9PM, False),
        (SATURDAY_NOON, False),
        (datetime(2026, 11, 25, 15, 0, tzinfo=UTC), True),  # 08:00 in Phoenix: opening time is inside
        (datetime(2026, 11, 26, 0, 0, tzinfo=UTC), False),  # 17:00 in Phoenix: closing time is outside
        (datetime(2026, 7, 15, 15, 30, tzinfo=UTC), True),  # July: still UTC-7, no daylight saving in Arizona
    ],
)
def test_business_hours_are_phoenix_time_without_daylight_saving(moment, inside):
    assert is_business_hours(moment) is inside


def test_every_lead_reaches_admissions_by_email_in_business_hours(routing):
    assert chosen(make_event(make_lead())) == {("admissions", "email")}


def test_an_urgent_lead_also_reaches_on_call_by_sms_and_email(routing):
    event = make_event(make_lead(urgency="urgent"))

    assert chosen(event) == {("admissions", "email"), ("oncall", "sms"), ("oncall", "email")}


def test_after_hours_a_lead_reaches_on_call(routing):
    event = make_event(make_lead())

    assert chosen(event, at=WEDNESDAY_9PM) == {("admissions", "email"), ("oncall", "sms"), ("oncall", "email")}


def test_a_partner_referral_reaches_that_partners_liaison_only(routing):
    partner, other = make_partner("Partner A"), make_partner("Partner B")
    liaison = Recipient.objects.create(name="liaison-a", email="a@staff.example", channels=["email"])
    liaison.liaison_for.add(partner)
    Recipient.objects.create(name="liaison-b", email="b@staff.example", channels=["email"]).liaison_for.add(other)

    event = make_event(make_lead(kind="partner_referral", partner=partner))

    assert chosen(event) == {("admissions", "email"), ("liaison-a", "email")}


@pytest.mark.parametrize(
    ("condition", "matching", "other"),
    [
        ({"program_interests": ["php"]}, {"program_interest": "php"}, {"program_interest": "iop"}),
        ({"lead_kinds": ["family_or_friend"]}, {"kind": "family_or_friend"}, {"kind": "self"}),
        ({"out_of_state": "yes"}, {"out_of_state": True, "state": "CA"}, {}),
        ({"urgency": "urgent"}, {"urgency": "urgent"}, {"urgency": "routine"}),
    ],
)
def test_each_condition_of_a_rule_selects(routing, condition, matching, other):
    RoutingRule.objects.all().delete()
    rule = RoutingRule.objects.create(name="test", event_kinds=["lead.created"], channels=["sms"], **condition)
    rule.groups.add(*routing["director"].groups.all())

    assert chosen(make_event(make_lead(**matching))) == {("director", "sms")}
    assert chosen(make_event(make_lead(**other))) == set()


def test_a_rule_for_one_partner_matches_only_its_referrals(routing):
    RoutingRule.objects.all().delete()
    partner = make_partner()
    rule = RoutingRule.objects.create(name="partner", partner=partner, channels=["email"])
    rule.groups.add(*routing["director"].groups.all())

    assert chosen(make_event(make_lead(kind="partner_referral", partner=partner))) == {("director", "email")}
    assert chosen(make_event(make_lead())) == set()


def test_inactive_staff_and_channels_they_refuse_are_skipped(routing):
    routing["admissions"].channels = ["sms"]
    routing["admissions"].save()
    routing["on_call"].is_active = False
    routing["on_call"].save()

    assert chosen(make_event(make_lead(urgency="urgent"))) == set()


def test_escalations_reach_the_next_group_by_level(routing):
    lead = make_lead()

    first = chosen(make_event(lead, "lead.escalated", escalation_level=1))
    second = chosen(make_event(lead, "lead.escalated", escalation_level=2))

    assert first == {("oncall", "sms"), ("oncall", "email")}
    assert second == {("director", "sms"), ("director", "email")}
