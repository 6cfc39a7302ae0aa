"""The dashboard: where leads come from, how fast they are answered and what becomes of them; no personal data.

Charts are SVG drawn on the server (staff.charts), each beside its table; every table downloads as CSV.
"""

import csv

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from content.selectors import program_titles
from leads import reports
from staff import dashboard_tables
from staff.access import staff_page
from staff.dashboard_tables import DashboardPeriodForm

PERMISSION = "leads.view_dashboard"
# Cells a spreadsheet would run as a formula (a campaign name comes from a URL anyone can craft).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _form(request: HttpRequest) -> DashboardPeriodForm:
    today = reports.today_local(timezone.now())
    data = {name: request.GET[name] for name in ("from", "to") if name in request.GET}
    return DashboardPeriodForm(data or None, today=today)


@staff_page(PERMISSION)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    period = form.period()
    now = timezone.now()
    report = reports.dashboard(period=period, program_names=dict(program_titles()))
    context = {
        "form": form,
        "period": period,
        "sections": dashboard_tables.sections(report, now=now),
        "unacknowledged": report.unacknowledged,
        "unacknowledged_table": dashboard_tables.unacknowledged_table(report.unacknowledged, now=now),
        "oldest_minutes": (report.unacknowledged.oldest_age_seconds(now) or 0) / 60,
        "range_query": f"from={period.first_day.isoformat()}&to={period.last_day.isoformat()}",
        "section": "dashboard",
    }
    return render(request, "staff/dashboard.html", context)


def _safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@staff_page(PERMISSION)
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("table", "")
    if name not in dashboard_tables.TABLES:
        choices = ", ".join(dashboard_tables.TABLES)
        return HttpResponseBadRequest(f"Name a table: table= one of {choices}.", content_type="text/plain")
    form = _form(request)
    if form.is_bound and not form.is_valid():
        problems = " ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())
        return HttpResponseBadRequest(f"The dates are not right. {problems}", content_type="text/plain")
    period = form.period()
    program_names = dict(program_titles()) if name == "programs" else {}
    table = dashboard_tables.one_table(name, period=period, program_names=program_names, now=timezone.now())
    filename = f"core-recovery-{name}-{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in table.csv_rows():
        writer.writerow([_safe_cell(cell) for cell in row])
    return response
