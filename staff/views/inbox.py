"""The inbox: open leads, urgent first then oldest, refreshed in place every few seconds."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from content.selectors import program_titles
from leads.selectors import PARTNER_REFERRALS_PERMISSION, inbox_leads, partners_visible_to
from staff import presenters
from staff.access import staff_page
from staff.forms import InboxFilterForm

PAGE_SIZE = 50
# Polled, not pushed: a cheap fragment every few seconds keeps one request per open inbox short-lived, where
# server-sent events would hold a gunicorn worker per open tab.
POLL_SECONDS = 5


@staff_page("leads.view_lead", PARTNER_REFERRALS_PERMISSION, any_of=True)
def inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    programs = program_titles()
    program_names = {**dict(programs), "unsure": "Not sure"}
    form = InboxFilterForm(request.GET or None, programs=programs, partners=partners_visible_to(user))
    page = Paginator(inbox_leads(viewer=user, filters=form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {"lead": lead, "clock": presenters.clock(lead, now=now), "next_step": presenters.next_step(lead),
         "triage": presenters.triage_words(lead.triage_flags), "assignee": presenters.person_name(lead.assigned_to),
         "program": program_names.get(lead.program_interest, lead.program_interest)}
        for lead in page.object_list
    ]  # fmt: skip
    query = request.GET.copy()
    query.pop("partial", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "section": "inbox",
               "poll_seconds": POLL_SECONDS}  # fmt: skip
    template = "staff/_inbox_rows.html" if request.GET.get("partial") else "staff/inbox.html"
    return render(request, template, context)
