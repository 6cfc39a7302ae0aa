"""The dashboard's roll-up (leads.rollups) against the direct SQL it replaced (tests/staff/dashboard_reference.py)
over the same synthetic leads: every figure identical (percentiles too: kept per week, exactly); and changes
made through the services seen at once, on PostgreSQL and (marked embedded) on the SQLite of `make run`."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone

from leads import reports, rollups
from leads.models import (
    ContactAttempt,
    Lead,
    LeadDailyCount,
    LeadRollupPending,
    LeadSource,
    LeadStatus,
    LeadStatusChange,
    LeadWeeklySpeed,
)
from leads.services import contact_attempt_record, lead_acknowledge, lead_change_status
from partners.models import Partner
from tests.staff import dashboard_reference as direct

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
PHOENIX = ZoneInfo("America/Phoenix")
TODAY = date(2026, 4, 15)  # a Wednesday
CAMPAIGNS = ["iop-phoenix", "brand", "", "=cmd"]
PROGRAMS = ["iop", "php", "unsure", ""]
REASONS = ["clinical_fit", "insurance", "declined", ""]
PATHS = [
    [], ["contacted"], ["contacted", "assessment_scheduled"], ["contacted", "assessment_scheduled", "admitted"],
    ["contacted", "not_admitted"], ["not_admitted"], ["unable_to_reach", "contacted", "referred_elsewhere"],
]  # fmt: skip


def _seconds(rng: random.Random) -> float:
    """From seconds to days, most within the hour, with microseconds (as stored)."""
    return round(rng.lognormvariate(0, 1.6) * 300 + rng.random(), 6)


def synthetic_leads(count: int = 700, days: int = 50, seed: int = 11) -> None:
    """Leads over the `days` days before TODAY written in bulk, as bench/staff.py writes them (no signal)."""
    rng = random.Random(seed)
    partners = [Partner.objects.create(name=f"Partner {n}", slug=f"partner-{n}") for n in range(3)]
    end = datetime(2026, 4, 15, 23, 59, 59, tzinfo=PHOENIX)
    received_field = Lead._meta.get_field("received_at")
    received_field.auto_now_add = False
    try:
        leads, steps = [], []
        for n in range(count):
            received = end - timedelta(seconds=rng.uniform(0, days * 86400))
            roll = rng.random()
            partner = rng.choice(partners) if roll < 0.3 else None
            source = LeadSource.PHONE if roll < 0.05 or roll > 0.85 else (
                LeadSource.PARTNER if partner else LeadSource.WEBSITE)  # fmt: skip
            path = rng.choice(PATHS)
            status = path[-1] if path else LeadStatus.RECEIVED
            acknowledged = received + timedelta(seconds=_seconds(rng)) if path or rng.random() < 0.5 else None
            attempted = received + timedelta(seconds=_seconds(rng)) if rng.random() < 0.7 else None
            leads.append(Lead(
                reference=f"L-R{n:05d}", kind="partner_referral" if partner else "self", source=source,
                partner=partner, status=status, status_reason=rng.choice(REASONS) if status == "not_admitted" else "",
                program_interest=rng.choice(PROGRAMS), is_spam=rng.random() < 0.03,
                utm_campaign=rng.choice(CAMPAIGNS) if source == LeadSource.WEBSITE else "", received_at=received,
                acknowledged_at=acknowledged, first_attempt_at=attempted,
            ))  # fmt: skip
            steps.append(path)
        Lead.objects.bulk_create(leads)
    finally:
        received_field.auto_now_add = True
    changes = []
    for lead, path in zip(leads, steps, strict=True):
        previous = ""
        for k, to_status in enumerate(["received", *path]):
            changes.append(LeadStatusChange(lead=lead, from_status=previous, to_status=to_status,
                                            changed_at=lead.received_at + timedelta(hours=k)))  # fmt: skip
            previous = to_status
    LeadStatusChange.objects.bulk_create(changes)


PERIODS = [
    reports.Period(first_day=TODAY - timedelta(days=55), last_day=TODAY),  # all of it, whole and partial weeks
    reports.Period(first_day=date(2026, 3, 11), last_day=date(2026, 3, 26)),  # Wednesday to Thursday
    reports.Period(first_day=date(2026, 4, 1), last_day=date(2026, 4, 1)),  # one day
    reports.Period(first_day=date(2025, 1, 1), last_day=date(2025, 1, 31)),  # no leads
]


def assert_same_figures(period: reports.Period) -> None:
    """Every figure of the dashboard from the roll-up is the direct SQL's."""
    names = {"iop": "Intensive Outpatient"}
    board = reports.dashboard(period=period, program_names=names)
    assert board.by_source == direct.leads_by_source(period=period)
    assert board.by_campaign == direct.leads_by_campaign(period=period)
    assert board.by_program == direct.leads_by_program(period=period, program_names=names)
    assert board.response == direct.response_within_targets(period=period)
    assert board.funnel == direct.funnel(period=period)
    assert board.not_admitted == direct.not_admitted_reasons(period=period)
    assert board.speed == direct.speed_to_lead(period=period)


def test_the_roll_up_gives_the_figures_of_the_direct_sql():
    synthetic_leads()
    # Written in bulk: nothing marked, nothing rolled up yet. The backfill (migration 0008, or --all) marks them.
    assert not LeadDailyCount.objects.exists()
    rollups.rollup_mark_all()
    assert rollups.rollup_refresh() >= 50
    assert not LeadRollupPending.objects.exists()
    for period in PERIODS:
        assert_same_figures(period)
    # The weeks held whole came from the roll-up, the weeks cut short from their leads: both as the direct SQL.
    assert LeadWeeklySpeed.objects.count() >= 7
    # The week of today, cut short by today only, holds all its leads: from the roll-up too, the same figures.
    assert reports.speed_to_lead(period=PERIODS[0], today=TODAY) == direct.speed_to_lead(period=PERIODS[0])
    assert sum(w.acknowledge.count for w in reports.speed_to_lead(period=PERIODS[0]).weeks) > 300


@pytest.fixture
def staff(django_user_model):
    return get_user_model().objects.create_user("rollup-staff", is_staff=True)


def test_changes_through_the_services_show_on_the_next_view(staff):
    synthetic_leads(count=200, days=20)
    rollups.rollup_mark_all()
    rollups.rollup_refresh()
    period = reports.Period(first_day=TODAY - timedelta(days=27), last_day=TODAY)
    # Leads of past days, worked now: acknowledged, a first attempt, moved along; each marks its day at once.
    waiting = list(Lead.objects.filter(is_spam=False, acknowledged_at__isnull=True, status="received")[:6])
    assert len(waiting) == 6
    lead_acknowledge(lead=waiting[0], by=staff)
    contact_attempt_record(lead=waiting[1], by=staff, channel=ContactAttempt.Channel.CALL,
                           outcome=ContactAttempt.Outcome.NO_ANSWER)  # fmt: skip
    lead_change_status(lead=waiting[2], to_status=LeadStatus.CONTACTED, changed_by=staff)
    lead_change_status(lead=waiting[3], to_status=LeadStatus.NOT_ADMITTED, changed_by=staff,
                       reason_category="insurance")  # fmt: skip
    # The admin saves the whole row; a deleted lead leaves its day's figures too.
    admin_edit = waiting[4]
    admin_edit.program_interest = "php"
    admin_edit.save()
    waiting[5].delete()
    assert LeadRollupPending.objects.count() >= 6
    # No beat in between: the dashboard brings its roll-up up to date before it reads.
    assert_same_figures(period)
    assert not LeadRollupPending.objects.exists()


def test_a_change_rolled_back_leaves_no_mark_and_saves_that_change_nothing_leave_none(staff):
    synthetic_leads(count=50, days=5)
    rollups.rollup_mark_all()
    rollups.rollup_refresh()
    lead = Lead.objects.filter(is_spam=False, acknowledged_at__isnull=True).first()
    assert lead is not None

    def acknowledge_then_fail() -> None:
        with transaction.atomic():
            lead_acknowledge(lead=lead, by=staff)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        acknowledge_then_fail()
    assert not LeadRollupPending.objects.exists()
    # Escalation and assignment change no figure.
    lead.escalation_level = 1
    lead.save(update_fields=["escalation_level", "updated_at"])
    assert not LeadRollupPending.objects.exists()


def test_beat_refreshes_the_roll_up_every_minute():
    from leads.tasks import refresh_dashboard_rollup

    entry = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard-rollup"]
    assert (entry["task"], entry["schedule"]) == ("leads.rollup_refresh", 60.0)
    synthetic_leads(count=30, days=3)
    rollups.rollup_mark_all()
    assert refresh_dashboard_rollup.apply().get() >= 1
    assert LeadDailyCount.objects.exists()
    assert not LeadRollupPending.objects.exists()


def test_the_command_backfills_every_day_and_drops_days_left_without_leads():
    from io import StringIO

    from django.core.management import call_command

    synthetic_leads(count=40, days=4)
    out = StringIO()
    call_command("dashboard_rollup", "--all", stdout=out)
    assert "day(s) rebuilt" in out.getvalue()
    assert LeadDailyCount.objects.exists()
    # Leads deleted in raw SQL (no signal, no mark): --all rebuilds the days the roll-up has too, from nothing.
    with connection.cursor() as cursor:
        for model in (LeadStatusChange, Lead):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    assert LeadDailyCount.objects.exists()
    call_command("dashboard_rollup", "--all", stdout=StringIO())
    assert not LeadDailyCount.objects.exists()
    assert not LeadWeeklySpeed.objects.exists()


def _submitted_lead() -> Lead:
    from leads.services import contact_request_submission, lead_submit

    submission = contact_request_submission({
        "first_name": "Rollup", "phone": "+16025550123", "relationship": "self", "state": "AZ",
        "consent": {"contact": True, "sms": False},
    })  # fmt: skip
    lead = lead_submit(submission=submission, idempotency=None, respond=lambda lead: (201, {})).lead
    assert lead is not None
    return lead


def _received_today() -> int:
    today = reports.today_local(timezone.now())
    return sum(row.n for row in LeadDailyCount.objects.filter(day=today, figure="source"))


def test_a_new_lead_leaves_no_mark_and_is_on_the_next_view():
    rollups.rollup_refresh()  # the refresh before: its start is remembered
    _submitted_lead()

    assert not LeadRollupPending.objects.exists()  # one INSERT fewer in the submission
    assert rollups.rollup_refresh() == 1
    assert _received_today() == 1


def test_a_lead_received_before_a_refresh_and_committed_after_it_is_on_the_next_one():
    lead = _submitted_lead()
    # As if its transaction had been slow: received before the refresh began, committed (visible) only after.
    Lead.objects.filter(pk=lead.pk).update(received_at=timezone.now() + timedelta(seconds=5))
    rollups.rollup_refresh()  # does not see it yet: its time is after this refresh's start
    Lead.objects.filter(pk=lead.pk).update(received_at=timezone.now() - timedelta(seconds=30))
    LeadDailyCount.objects.all().delete()

    assert rollups.rollup_refresh() == 1
    assert _received_today() == 1


def test_without_the_remembered_start_the_last_two_days_are_rebuilt():
    _submitted_lead()
    caches["default"].clear()

    assert rollups.rollup_refresh() == 1
    assert _received_today() == 1
    # Nothing new since: the lead's day is looked at again until a refresh began a margin after it, then no more.
    later = timezone.now() + rollups.NEW_LEADS_MARGIN + timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert rollups.rollup_refresh() == 1
        patch.setattr(timezone, "now", lambda: later + timedelta(seconds=1))
        assert rollups.rollup_refresh() == 0
