"""An intake worker's morning in Chromium: a lead arrives while the inbox is open, they open it, take it on, call,
and move it along; a hospital phones in a referral; every staff page passes axe's serious and critical rules."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accounts.roles import roles_install
from leads.models import ContactAttempt, Lead, LeadAccessLog
from notifications.backends import locmem
from notifications.models import Recipient, StaffGroup
from notifications.routing_defaults import routing_install
from partners.models import Partner
from tests.browser.conftest import PASSWORD, assert_accessible, sign_in
from tests.factories import ProgramFactory
from tests.leads.conftest import lead_body

# The inbox polls every few seconds: a new lead must be on screen well within this.
APPEARS_WITHIN_MS = 15_000


@pytest.fixture
def intake_worker(transactional_db):
    roles_install()
    routing_install()
    ProgramFactory(slug="iop", name="Intensive Outpatient Program")
    user = get_user_model().objects.create_user(
        "ana", "ana@staff.example", PASSWORD, is_staff=True, first_name="Ana", last_name="Intake"
    )
    user.groups.add(*get_user_model().groups.field.related_model.objects.filter(name__in=["Intake lead"]))
    desk = Recipient.objects.create(name="Desk", email="desk@staff.example", channels=["email"])
    desk.groups.add(StaffGroup.objects.get(slug="admissions"))
    mail.outbox.clear()
    locmem.outbox.clear()
    return user


def test_a_lead_is_worked_from_the_inbox(page, live_server, intake_worker, artifacts):
    sign_in(page, live_server, username="ana", next_path="/staff/leads/")
    expect(page.get_by_role("heading", name="Open leads")).to_be_visible()
    expect(page.get_by_text("No open leads match.")).to_be_visible()
    assert_accessible(page)

    # A person sends the website's form while the inbox is open: it appears without a reload.
    sent = APIClient().post("/api/v1/leads/", lead_body(first_name="Rowan", message="I need help with panic."),
                            format="json")  # fmt: skip
    assert sent.status_code == 201
    reference = sent.json()["reference"]
    row_link = page.get_by_role("link", name=reference)
    expect(row_link).to_be_visible(timeout=APPEARS_WITHIN_MS)
    page.screenshot(path=str(artifacts / "staff-inbox.png"), full_page=True)

    row_link.click()
    expect(page.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    expect(page.get_by_text("Rowan")).to_be_visible()
    expect(page.get_by_role("link", name="(602) 555-0142")).to_have_attribute("href", "tel:+16025550142")
    expect(page.get_by_test_id("access-log")).to_contain_text("Ana Intake (view)")
    assert LeadAccessLog.objects.filter(lead__reference=reference, user=intake_worker).exists()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("m on it$")).click()
    expect(page.get_by_text(f"{reference} is yours")).to_be_visible()
    expect(page.get_by_test_id("assignee")).to_have_text("Ana Intake")

    page.get_by_label("How").select_option("call")
    page.get_by_label("What happened").select_option("reached")
    page.get_by_role("button", name="Log the attempt").click()
    expect(page.get_by_text("Contact attempt logged.")).to_be_visible()

    page.get_by_label("Move it to").select_option(label="Contacted")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_test_id("status")).to_have_text("Contacted")
    page.get_by_label("Move it to").select_option(label="Assessment scheduled")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_test_id("status")).to_have_text("Assessment scheduled")
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "staff-lead.png"), full_page=True)

    lead = Lead.objects.get(reference=reference)
    assert (lead.status, lead.assigned_to, lead.acknowledged_by) == ("assessment_scheduled", intake_worker,
                                                                     intake_worker)  # fmt: skip
    assert ContactAttempt.objects.get(lead=lead).outcome == "reached"
    assert lead.first_attempt_at is not None


def test_a_phoned_in_referral_reaches_the_notification_console(page, live_server, intake_worker, settings, capfd):
    # What `make run` does with staff messages: email and SMS written to the console.
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.SMS_BACKEND = "notifications.backends.console"
    partner = Partner.objects.create(name="St. Example Hospital", slug="st-example")
    sign_in(page, live_server, username="ana", next_path="/staff/leads/new/")
    assert_accessible(page)

    page.get_by_label("Referral from a partner").check()
    page.get_by_label("First name").fill("Casey")
    page.get_by_label("Phone", exact=True).fill("480 555 0177")
    page.get_by_label("Referring partner").select_option(label=partner.name)
    page.get_by_label("Name of the referring clinician").fill("Dr. Synthetic")
    page.get_by_label("Reason for referral").fill("Step-down after an inpatient stay.")
    page.get_by_label("The partner says the client agreed to the referral").check()
    # First with a state code that is not one: the API's words, beside the field.
    page.get_by_label("State (two letters)").fill("ZZ")
    page.get_by_role("button", name="Enter the lead").click()
    expect(page.get_by_text("Use a two-letter US state code, e.g. AZ.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("State (two letters)").fill("AZ")
    page.get_by_role("button", name="Enter the lead").click()
    expect(page.get_by_text("entered; staff are being notified")).to_be_visible()

    lead = Lead.objects.get()
    assert (lead.kind, lead.source, lead.partner, lead.entered_by) == ("partner_referral", "phone", partner,
                                                                       intake_worker)  # fmt: skip
    # The notifications went out as for any lead, to the console.
    console = capfd.readouterr().out
    assert lead.reference in console
    assert "SMS to staff phone" in console or "Subject:" in console
    assert "Casey" not in console  # staff messages carry no personal data


def test_a_phone_sized_screen_reads_the_inbox_as_cards(page, live_server, intake_worker, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    APIClient().post("/api/v1/leads/", lead_body(), format="json")
    sign_in(page, live_server, username="ana", next_path="/staff/leads/")

    row = page.locator("table.inbox tbody tr").first
    expect(row).to_be_visible()
    box = row.bounding_box()
    assert box is not None
    assert box["width"] <= 390  # no sideways scrolling to read a lead
    page.screenshot(path=str(artifacts / "staff-inbox-phone.png"), full_page=True)
    assert_accessible(page)
