"""The dashboard: figures right on a small hand-made set of leads, on PostgreSQL and (marked embedded) on the
SQLite of `make run`; the page, its CSV downloads, who may see them, and what they never show."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import roles_install
from leads import reports
from leads.models import Lead, LeadKind, LeadSource, LeadStatus, LeadStatusChange, Urgency
from leads.rollups import rollup_mark, rollup_refresh
from notifications.routing import is_business_hours
from partners.models import Partner
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db
PHOENIX = ZoneInfo("America/Phoenix")
# Two whole weeks, Monday March 2 to Sunday March 15, 2026.
PERIOD = reports.Period(first_day=date(2026, 3, 2), last_day=date(2026, 3, 15))
WEEK_1, WEEK_2 = date(2026, 3, 2), date(2026, 3, 9)
RANGE = {"from": "2026-03-02", "to": "2026-03-15"}
STAGES_TO: dict[str, list[str]] = {
    LeadStatus.CONTACTED: [LeadStatus.CONTACTED],
    LeadStatus.ASSESSMENT_SCHEDULED: [LeadStatus.CONTACTED, LeadStatus.ASSESSMENT_SCHEDULED],
    LeadStatus.ADMITTED: [LeadStatus.CONTACTED, LeadStatus.ASSESSMENT_SCHEDULED, LeadStatus.ADMITTED],
    LeadStatus.NOT_ADMITTED: [LeadStatus.CONTACTED, LeadStatus.NOT_ADMITTED],
}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PHOENIX)


_counter = iter(range(1, 10_000))


def make_lead(
    received_at: datetime,
    *,
    source: str = LeadSource.WEBSITE,
    partner: Partner | None = None,
    acknowledged_after: int | None = None,
    attempted_after: int | None = None,
    status: str = LeadStatus.RECEIVED,
    reason: str = "",
    program: str = "",
    campaign: str = "",
    urgency: str = Urgency.ROUTINE,
    is_spam: bool = False,
) -> Lead:
    """A lead received at `received_at`, acknowledged and first attempted that many seconds later, whose status
    history went through the usual steps to `status`."""
    lead = Lead.objects.create(
        reference=f"L-T{next(_counter):05d}",
        kind=LeadKind.PARTNER_REFERRAL if partner else LeadKind.SELF,
        source=source, partner=partner, status=status, status_reason=reason, program_interest=program,
        utm_campaign=campaign, urgency=urgency, is_spam=is_spam,
    )  # fmt: skip
    after = {
        "acknowledged_at": received_at + timedelta(seconds=acknowledged_after) if acknowledged_after else None,
        "first_attempt_at": received_at + timedelta(seconds=attempted_after) if attempted_after else None,
    }
    Lead.objects.filter(pk=lead.pk).update(received_at=received_at, **after)
    rollup_mark(reports.today_local(received_at))  # QuerySet.update sends no signal: the day is marked here
    previous = ""
    for step, to_status in enumerate([LeadStatus.RECEIVED, *STAGES_TO.get(status, [])]):
        LeadStatusChange.objects.create(lead=lead, from_status=previous, to_status=to_status,
                                        changed_at=received_at + timedelta(hours=step))  # fmt: skip
        previous = to_status
    lead.refresh_from_db()
    return lead


@pytest.fixture
def leads():
    """Seven leads in the period (and three that must not count): times in minutes chosen so that each figure
    can be worked out by hand (see each test)."""
    clinic = Partner.objects.create(name="Desert Clinic", slug="desert-clinic")
    made = {
        # Week 1. Monday 10:00 (in hours), Monday 20:00 (out), Tuesday 16:59:59 (in), Saturday 10:00 (out).
        "A": make_lead(local(2026, 3, 2, 10), acknowledged_after=120, attempted_after=240, status=LeadStatus.ADMITTED,
                       program="iop", campaign="spring"),
        "B": make_lead(local(2026, 3, 2, 20), acknowledged_after=600, attempted_after=1200,
                       status=LeadStatus.NOT_ADMITTED, reason="insurance", program="php"),
        "C": make_lead(local(2026, 3, 3, 16, 59, 59), source=LeadSource.PARTNER, partner=clinic,
                       acknowledged_after=420, status=LeadStatus.ASSESSMENT_SCHEDULED, program="iop"),
        "D": make_lead(local(2026, 3, 7, 10), source=LeadSource.PHONE, acknowledged_after=1800, attempted_after=360,
                       status=LeadStatus.NOT_ADMITTED, reason="clinical_fit"),
        # Week 2. Monday 08:00:00 (in: opening time), Monday 17:00:00 (out: closing time), Wednesday noon (in).
        "E": make_lead(local(2026, 3, 9, 8), acknowledged_after=60, attempted_after=120, status=LeadStatus.CONTACTED,
                       program="iop", campaign="spring"),
        "F": make_lead(local(2026, 3, 9, 17), program="unsure"),
        "I": make_lead(local(2026, 3, 11, 12), source=LeadSource.PHONE, partner=clinic, acknowledged_after=300,
                       attempted_after=900, status=LeadStatus.CONTACTED, program="php"),
        # Not in the figures of the period: spam, and a lead of the week before (still waiting, urgent).
        "spam": make_lead(local(2026, 3, 10, 9), is_spam=True),
        "before": make_lead(local(2026, 2, 25, 9), urgency=Urgency.URGENT),
    }  # fmt: skip
    return made


def series(weekly: reports.WeeklyCounts) -> dict[str, tuple[int, ...]]:
    return {s.label: s.counts for s in weekly.series}


def staff_user(django_user_model, role: str | None, username: str = "someone"):
    from django.contrib.auth.models import Group

    roles_install()
    user = django_user_model.objects.create_user(username, password="x" * 12, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def intake_lead(client, django_user_model):
    client.force_login(staff_user(django_user_model, "Intake lead", "intake-lead"))
    return client


# --------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_leads_per_week_by_source_campaign_and_program(leads):
    assert PERIOD.weeks == [WEEK_1, WEEK_2]
    assert series(reports.leads_by_source(period=PERIOD)) == {
        "Website": (2, 2),
        "Desert Clinic (through the API)": (1, 0),
        "Desert Clinic (phone or fax)": (0, 1),
        "Phone or fax": (1, 0),
    }
    assert series(reports.leads_by_campaign(period=PERIOD)) == {"spring": (1, 1), "(no campaign)": (1, 1)}
    by_program = reports.leads_by_program(period=PERIOD, program_names={"iop": "Intensive Outpatient"})
    assert series(by_program) == {"Intensive Outpatient": (2, 1), "php": (1, 1), "Not said": (1, 0),
                                  "Not sure": (0, 1)}  # fmt: skip
    assert by_program.totals == [4, 3]


@pytest.mark.embedded
def test_speed_to_lead_medians_and_90th_percentiles_per_week(leads):
    speed = reports.speed_to_lead(period=PERIOD)
    week_1, week_2 = speed.weeks
    # Week 1, to acknowledge: 120, 420, 600, 1800 s. Median halfway between 420 and 600; the 90th percentile
    # at position 0.9 x 3 = 2.7: 600 + 0.7 x (1800 - 600).
    assert (week_1.week, week_1.leads, week_1.acknowledge.count) == (WEEK_1, 4, 4)
    assert week_1.acknowledge.median == pytest.approx(510)
    assert week_1.acknowledge.p90 == pytest.approx(1440)
    # To a first attempt: 240, 360, 1200 (C has none). 90th: 360 + 0.8 x 840.
    assert (week_1.first_attempt.count, week_1.first_attempt.median) == (3, pytest.approx(360))
    assert week_1.first_attempt.p90 == pytest.approx(1032)
    # Week 2: F waits still. Acknowledge 60, 300; first attempt 120, 900.
    assert (week_2.leads, week_2.acknowledge.count, week_2.first_attempt.count) == (3, 2, 2)
    assert (week_2.acknowledge.median, week_2.acknowledge.p90) == (pytest.approx(180), pytest.approx(276))
    assert (week_2.first_attempt.median, week_2.first_attempt.p90) == (pytest.approx(510), pytest.approx(822))
    assert speed.range_of("acknowledge", "median") == (pytest.approx(180), pytest.approx(510))


@pytest.mark.embedded
def test_a_week_without_leads_has_no_times(leads):
    speed = reports.speed_to_lead(period=reports.Period(first_day=date(2026, 3, 2), last_day=date(2026, 3, 22)))
    empty = speed.weeks[2]
    assert (empty.week, empty.leads, empty.acknowledge) == (date(2026, 3, 16), 0, reports.Durations(0, None, None))


@pytest.mark.embedded
def test_share_answered_within_5_and_15_minutes_inside_and_outside_business_hours(leads):
    response = reports.response_within_targets(period=PERIOD)
    # In hours: A 2 min, C 7 min, E 1 min, I 5 min exactly (first response: the earlier of acknowledging and
    # a first attempt). Out of hours: B 10 min, D 6 min (its attempt came before its acknowledgment), F never.
    assert (response.inside.leads, response.inside.within) == (4, {5: 3, 15: 4})
    assert (response.outside.leads, response.outside.within) == (3, {5: 0, 15: 2})
    assert response.inside.share(5) == 0.75
    assert response.all.within == {5: 3, 15: 6}
    assert reports.dashboard(period=PERIOD).response == response


@pytest.mark.embedded
def test_business_hours_in_sql_agree_with_the_routing_rule():
    # Every 37 minutes over eight days (both edges of the day and of the week), and the edges exactly.
    start = local(2026, 3, 6, 0, 0)  # a Friday
    moments = [start + timedelta(minutes=37 * n) for n in range(8 * 24 * 60 // 37)]
    moments += [local(2026, 3, 9, 8), local(2026, 3, 9, 7, 59, 59), local(2026, 3, 9, 16, 59, 59),
                local(2026, 3, 9, 17), local(2026, 3, 13, 16, 30), local(2026, 3, 14, 10)]  # fmt: skip
    for moment in moments:
        make_lead(moment)
    period = reports.Period(first_day=date(2026, 3, 6), last_day=date(2026, 3, 14))
    response = reports.response_within_targets(period=period)
    expected_inside = sum(1 for moment in moments if is_business_hours(moment))
    assert (response.inside.leads, response.outside.leads) == (expected_inside, len(moments) - expected_inside)
    assert 0 < expected_inside < len(moments)


@pytest.mark.embedded
def test_funnel_counts_a_stage_a_lead_ever_reached_overall_and_per_source(leads):
    rows = {row.label: [row.reached[stage] for stage in reports.FUNNEL_STAGES] for row in reports.funnel(
        period=PERIOD)}  # fmt: skip
    assert rows == {
        # B and D reached "contacted" before they were not admitted; F was only received.
        "All sources": [7, 6, 2, 1],
        "Website": [4, 3, 1, 1],
        "Desert Clinic (through the API)": [1, 1, 1, 0],
        "Desert Clinic (phone or fax)": [1, 1, 0, 0],
        "Phone or fax": [1, 1, 0, 0],
    }


@pytest.mark.embedded
def test_reasons_for_not_admitted_and_the_leads_waiting_now(leads):
    reasons = reports.not_admitted_reasons(period=PERIOD)
    assert [(r.label, r.count) for r in reasons] == [("Insurance or cost", 1), ("Needs a different level of care", 1)]
    waiting = reports.unacknowledged_now()
    # F and the lead of the week before, whatever the period; not the spam.
    assert (waiting.count, waiting.urgent, waiting.oldest_received_at) == (2, 1, local(2026, 2, 25, 9))


@pytest.mark.embedded
def test_the_period_holds_its_first_and_last_days_whole_in_phoenix():
    inside = [local(2026, 3, 2, 0, 0), local(2026, 3, 8, 23, 30), local(2026, 3, 15, 23, 59, 59)]
    outside = [local(2026, 3, 1, 23, 59, 59), local(2026, 3, 16, 0, 0)]
    for moment in inside + outside:
        make_lead(moment)
    by_source = reports.leads_by_source(period=PERIOD)
    # Sunday 23:30 in Phoenix is Monday 06:30 UTC: still the first week.
    assert series(by_source) == {"Website": (2, 1)}


@pytest.mark.embedded
def test_the_default_period_is_the_last_twelve_weeks_to_today():
    period = reports.default_period(today=date(2026, 11, 26))  # a Thursday
    assert (period.first_day, period.last_day, len(period.weeks)) == (date(2026, 9, 7), date(2026, 11, 26), 12)


# --------------------------------------------------------------------------------------------------------
# The page and its downloads
# --------------------------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_the_dashboard_draws_each_chart_beside_its_table(intake_lead, leads):
    response = intake_lead.get(reverse("staff:dashboard"), RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') == 7
    assert html.count("<table") == 8
    assert html.count("/staff/dashboard.csv?table=") == 8
    assert '<title id="chart-funnel-title">' in html
    # The funnel's figures, in its table: received 7, contacted 6, assessment scheduled 2, admitted 1.
    assert re.search(r"<th scope=\"row\">All sources</th><td>7</td><td>6</td><td>2</td><td>1</td><td>14%</td>", html)
    # Nothing inline for the Content-Security-Policy to refuse.
    assert " style=" not in html
    assert "<script>" not in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.embedded
def test_the_period_defaults_to_the_last_twelve_weeks(intake_lead):
    response = intake_lead.get(reverse("staff:dashboard"))
    assert response.status_code == 200
    assert len(response.context["period"].weeks) == 12
    assert 'role="img"' in response.content.decode()


@pytest.mark.embedded
def test_a_wrong_period_is_explained_beside_the_date(intake_lead):
    response = intake_lead.get(reverse("staff:dashboard"), {"from": "2026-03-15", "to": "2026-03-02"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="error" id="id_to-error">The last day must be on or after the first day.</p>' in html
    assert 'aria-describedby="id_to-error"' in html
    assert 'aria-invalid="true"' in html
    response = intake_lead.get(reverse("staff:dashboard"), {"from": "2026-02-30"})
    assert "Enter a real date, for example 2026-03-02." in response.content.decode()


@pytest.mark.embedded
def test_each_table_downloads_as_csv(intake_lead, leads):
    response = intake_lead.get(reverse("staff:dashboard-csv"), {"table": "speed", **RANGE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="core-recovery-speed-2026-03-02-to-2026-03-15.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Week of (Monday)", "Leads", "Acknowledged", "Median time to acknowledge (min)"]
    # Minutes with one decimal: week 1's median 510 s is 8.5 min, its 90th percentile 1440 s is 24.0 min.
    assert rows[1] == ["2026-03-02", "4", "4", "8.5", "24.0", "3", "6.0", "17.2"]
    assert rows[2] == ["2026-03-09", "3", "2", "3.0", "4.6", "2", "8.5", "13.7"]
    assert len(rows) == 3
    response = intake_lead.get(reverse("staff:dashboard-csv"), {"table": "funnel", **RANGE})
    funnel = list(csv.reader(io.StringIO(response.content.decode())))
    assert funnel[1] == ["All sources", "7", "6", "2", "1", "14.3"]
    for name in ("sources", "campaigns", "programs", "response", "not_admitted", "unacknowledged"):
        assert intake_lead.get(reverse("staff:dashboard-csv"), {"table": name, **RANGE}).status_code == 200


@pytest.mark.embedded
def test_a_csv_cell_is_never_a_spreadsheet_formula(intake_lead):
    make_lead(local(2026, 3, 3, 9), campaign='=HYPERLINK("http://evil.example")')
    response = intake_lead.get(reverse("staff:dashboard-csv"), {"table": "campaigns", **RANGE})
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header[1] == '\'=HYPERLINK("http://evil.example")'


@pytest.mark.embedded
def test_an_unknown_table_or_a_wrong_date_is_a_400_in_words(intake_lead):
    response = intake_lead.get(reverse("staff:dashboard-csv"), {"table": "people"})
    assert response.status_code == 400
    assert b"one of sources" in response.content
    response = intake_lead.get(reverse("staff:dashboard-csv"), {"table": "funnel", "from": "soon"})
    assert response.status_code == 400
    assert b"Enter a real date" in response.content


@pytest.mark.embedded
@pytest.mark.parametrize("role", ["Intake", "Partner liaison", "Editor", None])
def test_staff_without_the_dashboard_permission_get_a_403(client, django_user_model, role):
    client.force_login(staff_user(django_user_model, role))
    assert client.get(reverse("staff:dashboard")).status_code == 403
    assert client.get(reverse("staff:dashboard-csv"), {"table": "funnel"}).status_code == 403


@pytest.mark.embedded
@pytest.mark.parametrize("role", ["Intake lead", "Clinical director"])
def test_the_intake_lead_and_the_clinical_director_see_it_from_the_nav(client, django_user_model, role):
    client.force_login(staff_user(django_user_model, role))
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 200
    assert f'href="{reverse("staff:dashboard")}" aria-current="page">Dashboard</a>' in response.content.decode()


@pytest.mark.embedded
def test_the_nav_hides_the_dashboard_from_intake_staff(client, django_user_model):
    client.force_login(staff_user(django_user_model, "Intake"))
    assert reverse("staff:dashboard") not in client.get(reverse("staff:inbox")).content.decode()


@pytest.mark.embedded
def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("staff:dashboard-csv"), {"table": "funnel"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def _queries(client, path, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


@pytest.mark.embedded
def test_the_number_of_queries_does_not_grow_with_the_leads(intake_lead, leads, django_assert_max_num_queries):
    # Once the roll-up is up to date (the beat's minute; rebuilding the days changes touched costs a dozen queries
    # a run of days, whatever the leads).
    rollup_refresh()
    few = _queries(intake_lead, reverse("staff:dashboard"), RANGE)
    clinic_2 = Partner.objects.create(name="Mesa Hospital", slug="mesa-hospital")
    for n in range(40):
        make_lead(local(2026, 3, 2 + n % 14, 6 + n % 14), acknowledged_after=60 + n, attempted_after=100 + n,
                  source=LeadSource.PARTNER if n % 3 else LeadSource.WEBSITE, partner=clinic_2 if n % 3 else None,
                  status=LeadStatus.ADMITTED if n % 2 else LeadStatus.NOT_ADMITTED, reason="capacity",
                  campaign=f"campaign-{n % 5}", program="iop")  # fmt: skip
    rollup_refresh()
    many = _queries(intake_lead, reverse("staff:dashboard"), RANGE)
    assert many == few
    # Signed-in user and permissions, program names, then one to three queries a table (SQLite needs more for
    # its percentiles), with 7 leads or 47.
    with django_assert_max_num_queries(20):
        intake_lead.get(reverse("staff:dashboard"), RANGE)
    with django_assert_max_num_queries(10):
        intake_lead.get(reverse("staff:dashboard-csv"), {"table": "speed", **RANGE})


def test_no_personal_data_reaches_the_page_or_the_csv(intake_lead, api_client):
    ProgramFactory(slug="iop")

    body = lead_body(first_name="Marigold", last_name="Quillfeather", phone="(602) 555-0187",
                     email="marigold.q@example.org", message="Distinctive words: lantern harbour.")  # fmt: skip
    created = api_client.post("/api/v1/leads/", body, format="json")
    assert created.status_code == 201
    reference = created.json()["reference"]
    today = reports.today_local(timezone.now())
    period = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    pages = [intake_lead.get(reverse("staff:dashboard"), period).content.decode()]
    pages += [intake_lead.get(reverse("staff:dashboard-csv"), {"table": name, **period}).content.decode()
              for name in ("sources", "campaigns", "programs", "speed", "response", "funnel", "not_admitted",
                           "unacknowledged")]  # fmt: skip
    assert "<strong>1</strong> open lead nobody has taken on" in pages[0]
    for text in pages:
        for personal in ("Marigold", "Quillfeather", "555-0187", "5550187", "marigold", "lantern", reference):
            assert personal not in text
