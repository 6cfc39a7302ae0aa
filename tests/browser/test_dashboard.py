"""The dashboard as the intake lead meets it in Chromium: charts drawn with the figures of the leads, each with
its table, accessible (axe: no serious or critical violation), on a desktop screen and on a phone."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import roles_install
from leads.models import Lead, LeadStatus, LeadStatusChange
from leads.reports import today_local
from leads.rollups import rollup_mark
from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
    .map(e => e.tagName + '.' + e.className)"""


def _leads_of_this_week() -> None:
    now = timezone.now()
    for n, (status, ack_minutes) in enumerate([(LeadStatus.CONTACTED, 3), (LeadStatus.RECEIVED, None),
                                               (LeadStatus.CONTACTED, 12)]):  # fmt: skip
        lead = Lead.objects.create(reference=f"L-BRW00{n}", kind="self", status=status, program_interest="iop")
        received = now - timedelta(hours=2 + n)
        acknowledged = received + timedelta(minutes=ack_minutes) if ack_minutes else None
        Lead.objects.filter(pk=lead.pk).update(received_at=received, acknowledged_at=acknowledged)
        rollup_mark(today_local(received))  # QuerySet.update sends no signal: the dashboard's roll-up is told here
        LeadStatusChange.objects.create(lead=lead, to_status=LeadStatus.RECEIVED, changed_at=received)
        if status == LeadStatus.CONTACTED:
            LeadStatusChange.objects.create(lead=lead, from_status="received", to_status=status, changed_at=now)


def test_the_dashboard_draws_its_charts_and_passes_axe(page, live_server, artifacts, transactional_db):
    roles_install()
    user = get_user_model().objects.create_user("intake-lead", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Intake lead"))
    _leads_of_this_week()
    sign_in(page, live_server, username="intake-lead", next_path="/staff/dashboard/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 7
    # The funnel of the last 12 weeks: 3 received, 2 contacted; its bars are drawn, its table agrees.
    funnel = page.get_by_role("img", name="Leads received, contacted, with an assessment scheduled, admitted")
    assert funnel.locator("rect").count() == 2
    assert page.get_by_role("table", name="From received to admitted, for all sources and by source").locator(
        "tbody tr").first.inner_text().split("\t")[:3] == ["All sources", "3", "2"]  # fmt: skip
    assert "1 open lead nobody has taken on" in page.locator(".headline").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "staff-dashboard.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "staff-dashboard-phone.png"), full_page=True)
    # On a phone nothing but the tables (in their own scrolling boxes) is wider than the screen.
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert wide == []
