"""A partner's discharge planner in Chromium: invited by email, signs in through the emailed link, refers someone
(an invalid phone is said beside the field first), sees the reference, then the status staff set; a second
partner's person finds none of it (404). Every portal page passes axe's serious and critical rules."""

import os
import re
import shutil

import pytest
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory
from playwright.sync_api import expect

from leads import services
from leads.models import Lead
from partners.models import Partner, PartnerUser
from partners.services import partner_user_invite
from portal import session
from tests.browser.conftest import ROOT, assert_accessible
from tests.factories import ProgramFactory

DOCS_IMG = ROOT / "docs" / "img"
REFERRALS = "My organisation\u2019s referrals"  # the page's typographic apostrophe


def _emailed_link(path: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(path)}\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(0)


def _shot(target, artifacts, name: str) -> None:
    """A screenshot for docs/partners.md: kept in test-artifacts/, copied to docs/img/ when PORTAL_DOCS_IMG is set."""
    path = artifacts / name
    target.screenshot(path=str(path), full_page=True)
    if os.environ.get("PORTAL_DOCS_IMG"):
        shutil.copy(path, DOCS_IMG / name)


@pytest.fixture
def partners(transactional_db, settings, live_server):
    settings.ADMIN_BASE_URL = live_server.url  # the emailed links point at the server under test
    ProgramFactory(slug="iop", name="Intensive Outpatient Program")
    mail.outbox.clear()
    a = Partner.objects.create(name="St. Example Hospital", slug="st-example", kind=Partner.Kind.HOSPITAL)
    b = Partner.objects.create(name="Other Example School", slug="other-example", kind=Partner.Kind.SCHOOL)
    return a, b


def test_a_partner_refers_someone_and_follows_it(page, browser, live_server, partners, artifacts):
    partner_a, partner_b = partners
    partner_user_invite(partner=partner_a, email="planner@hospital.example", role=PartnerUser.Role.ADMIN)

    # The invitation: the person chooses to sign in by emailed links.
    page.goto(_emailed_link("/partners/welcome/"))
    expect(page.get_by_role("heading", name=re.compile("Welcome to the referral portal"))).to_be_visible()
    assert_accessible(page)
    _shot(page, artifacts, "portal-welcome.png")
    page.get_by_label("Your name").fill("Pat Planner")
    page.get_by_label("A sign-in link by email").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Refer someone to Core Recovery")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The next day: a sign-in link, by email, opened in this browser.
    expect(page.get_by_role("heading", name="Sign in to the referral portal")).to_be_visible()
    assert_accessible(page)
    _shot(page, artifacts, "portal-sign-in.png")
    page.locator("#id_link-email").fill("planner@hospital.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)
    page.goto(_emailed_link("/partners/sign-in/link/"))
    assert_accessible(page)
    page.get_by_role("button", name="Sign in now").click()
    expect(page.get_by_role("heading", name=REFERRALS)).to_be_visible()
    expect(page.get_by_text("No referral yet.")).to_be_visible()
    assert_accessible(page)

    # Refer someone: a phone number that cannot be is said beside its field, then fixed.
    page.get_by_role("link", name="Refer someone").first.click()
    expect(page.locator(".crisis")).to_contain_text("call or text 988")
    assert_accessible(page)
    page.get_by_label("First name").fill("Casey")
    page.get_by_label("Last name").fill("Synthetic")
    page.get_by_label("Phone", exact=True).fill("555")
    page.get_by_label("Program").select_option("iop")
    page.get_by_label("Reason for referral").fill("Step-down after an inpatient stay for depression.")
    page.get_by_label("Your role").fill("Discharge planner")
    page.get_by_label("The person agreed to be referred").check()
    page.get_by_role("button", name="Send the referral").click()
    phone_error = page.locator("#id_phone-error")
    expect(phone_error).to_have_text("Enter a valid phone number, e.g. 602-555-0123.")
    expect(page.get_by_label("Phone", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Enter a valid phone number")
    assert not Lead.objects.exists()
    assert_accessible(page)
    _shot(page, artifacts, "portal-refer-error.png")
    page.get_by_label("Phone", exact=True).fill("480-555-0177")
    page.get_by_role("button", name="Send the referral").click()

    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    lead = Lead.objects.get()
    assert lead.sent_by is not None
    assert lead.sent_by.email == "planner@hospital.example"
    expect(page.locator(".reference strong")).to_have_text(lead.reference)
    assert_accessible(page)
    _shot(page, artifacts, "portal-referral-sent.png")

    # Staff call the person: the partner sees the new status.
    services.lead_change_status(lead=lead, to_status="contacted")
    page.get_by_role("link", name=REFERRALS).click()
    row = page.get_by_role("row", name=re.compile(lead.reference))
    expect(row).to_contain_text("Contacted by our admissions team")
    assert_accessible(page)
    _shot(page, artifacts, "portal-referrals.png")
    # On a phone: each referral reads as a card, nothing wider than the screen; the keyboard reaches the content.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    _shot(page, artifacts, "portal-referrals-phone.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_role("link", name=lead.reference).focus()
    page.keyboard.press("Enter")
    expect(page.locator("dd.status")).to_have_text("Contacted by our admissions team")
    assert_accessible(page)

    # The partner admin's team page, and the portal in Spanish.
    page.get_by_role("link", name="Our team").click()
    expect(page.get_by_role("heading", name="Our team in the portal")).to_be_visible()
    assert_accessible(page)
    _shot(page, artifacts, "portal-team.png")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Nuestro equipo en el portal")).to_be_visible()
    assert_accessible(page)
    # In Spanish, the API's own messages beside the fields and in the summary at the top are Spanish too.
    page.get_by_role("link", name="Referir a alguien").first.click()
    page.get_by_label("Nombre", exact=True).fill("Robin")
    page.get_by_label("Teléfono", exact=True).fill("555")
    page.get_by_label("Motivo de la derivación").fill("Step-down after an inpatient stay.")
    page.get_by_role("button", name="Enviar la derivación").click()
    spanish_phone = "Escriba un número de teléfono válido, p. ej., 602-555-0123."
    expect(page.locator("#id_phone-error")).to_have_text(spanish_phone)
    expect(page.get_by_label("Teléfono", exact=True)).to_have_attribute("aria-invalid", "true")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Hay un problema")
    expect(summary).to_contain_text(spanish_phone)
    expect(summary).to_contain_text("Se necesita el consentimiento de la persona para la derivación.")
    expect(summary).not_to_contain_text("Enter a valid")
    assert Lead.objects.count() == 1
    assert_accessible(page)
    _shot(page, artifacts, "portal-refer-error-es.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a planner on a phone
    _shot(page, artifacts, "portal-refer-error-es-phone.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    # A bookmarked sign-out URL: a page with the button, not a bare 405; it does not sign out by itself.
    page.goto(f"{live_server.url}/partners/sign-out/")
    expect(page.get_by_role("heading", name="Cerrar sesión en el portal de derivaciones")).to_be_visible()
    assert_accessible(page)
    _shot(page, artifacts, "portal-sign-out-es.png")
    page.get_by_role("button", name="English").click()

    # A person of another partner: A's referral is not found, in words.
    other = PartnerUser.objects.create(
        partner=partner_b, email="counsellor@school.example", sign_in_method=PartnerUser.SignInMethod.MAGIC_LINK
    )
    response = HttpResponse()
    session.session_start(RequestFactory().get("/partners/"), response, user=other)
    context_b = browser.new_context(locale="en-US")
    context_b.add_cookies([{"name": session.COOKIE, "value": response.cookies[session.COOKIE].value,
                            "url": f"{live_server.url}/partners/"}])  # fmt: skip
    page_b = context_b.new_page()
    answer = page_b.goto(f"{live_server.url}/partners/referrals/{lead.reference}/")
    assert answer is not None
    assert answer.status == 404
    expect(page_b.get_by_role("heading", name="There is nothing here")).to_be_visible()
    assert_accessible(page_b)
    page_b.goto(f"{live_server.url}/partners/referrals/")
    expect(page_b.get_by_text("No referral yet.")).to_be_visible()
    context_b.close()


def test_the_portals_cookie_never_reaches_the_admin(page, live_server, partners):
    partner_a, _ = partners
    PartnerUser.objects.create(
        partner=partner_a, email="planner@hospital.example", sign_in_method=PartnerUser.SignInMethod.MAGIC_LINK
    )
    page.goto(f"{live_server.url}/partners/sign-in/")
    page.locator("#id_link-email").fill("planner@hospital.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.goto(_emailed_link("/partners/sign-in/link/"))
    page.get_by_role("button", name="Sign in now").click()
    expect(page.get_by_role("heading", name=REFERRALS)).to_be_visible()

    with page.expect_request(f"{live_server.url}/admin/") as sent:
        page.goto(f"{live_server.url}/admin/")

    assert session.COOKIE not in (sent.value.all_headers().get("cookie") or "")
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    cookie = next(c for c in page.context.cookies() if c["name"] == session.COOKIE)
    assert cookie["path"] == "/partners/"
    assert cookie["httpOnly"]
