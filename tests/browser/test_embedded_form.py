"""A partner's own web page, on its own origin, embeds the referral form with a publishable key: in Chromium."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from api.embed import snippet
from leads.models import Lead, LeadKind
from partners.models import Partner
from partners.services import api_key_issue
from tests.browser.conftest import ARTIFACTS, assert_accessible, axe_violations

PARTNER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Desert Therapy: refer a client</title></head>
<body><main><h1>Refer a client to Core Recovery</h1>
{snippet}
</main></body></html>
"""


class PartnerSite(ThreadingHTTPServer):
    """A partner's web server on a loopback port of its own: another origin than the API's live server."""

    def __init__(self, html: str) -> None:
        super().__init__(("127.0.0.1", 0), _PageHandler)
        self.html = html.encode()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PageHandler(BaseHTTPRequestHandler):
    server: PartnerSite

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.html)))
        self.end_headers()
        self.wfile.write(self.server.html)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def partner_sites(live_server, settings, transactional_db) -> Iterator[tuple[PartnerSite, PartnerSite, Partner]]:
    """Two partner sites serving the same two lines of HTML; the key's origins name the first only."""
    settings.PUBLIC_API_URL = live_server.url
    allowed, elsewhere = PartnerSite(""), PartnerSite("")
    partner = Partner.objects.create(name="Desert Therapy Practice", slug="desert-therapy", kind="clinician")
    _, key = api_key_issue(name="Website form", partner=partner, scopes=[], publishable=True,
                           allowed_origins=[allowed.origin])  # fmt: skip
    html = PARTNER_PAGE.format(snippet=snippet(key=key))
    allowed.html = elsewhere.html = html.encode()
    yield allowed, elsewhere, partner
    for site in (allowed, elsewhere):
        site.shutdown()
        site.server_close()


def _fill(form, *, phone: str) -> None:
    form.get_by_label("First name", exact=False).fill("Casey")
    form.get_by_label("Phone", exact=True).fill(phone)
    form.get_by_label("Reason for referral", exact=False).fill("Step-down after an inpatient stay.")
    form.get_by_label("Your name", exact=False).fill("Dr. Test Clinician")
    form.get_by_label("The person agreed to be referred to Core Recovery.").check()


def test_a_partner_page_embeds_the_form_and_gets_a_reference(page, partner_sites):
    allowed, _, partner = partner_sites
    page.goto(allowed.origin + "/")
    form = page.locator("core-recovery-referral")
    expect(form.get_by_role("heading", name="Refer someone to Core Recovery")).to_be_visible()
    # The crisis lines are there before anything is typed.
    expect(form.get_by_text("call 911")).to_be_visible()
    expect(form.get_by_text("call or text 988", exact=False)).to_be_visible()
    assert page.evaluate("() => !!document.querySelector('core-recovery-referral').shadowRoot")
    assert_accessible(page)
    # axe looks inside the shadow DOM: an unlabelled field slipped into it is found, by its path through the host.
    page.evaluate("""() => document.querySelector('core-recovery-referral').shadowRoot
        .appendChild(Object.assign(document.createElement('input'), {id: 'probe'}))""")
    found = [node for violation in axe_violations(page, impacts={"serious", "critical"})
             if violation["id"] == "label" for node in violation["nodes"]]  # fmt: skip
    assert [["core-recovery-referral", "#probe"]] in found
    page.evaluate("() => document.querySelector('core-recovery-referral').shadowRoot.getElementById('probe').remove()")

    # An invalid phone: its error beside the field, the field described by it, and focus on it.
    _fill(form, phone="123")
    form.get_by_role("button", name="Send referral").click()
    phone = form.get_by_label("Phone", exact=True)
    error = form.locator("#crr-phone-error")
    expect(error).to_have_text("Enter a valid phone number, e.g. 602-555-0123.")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "crr-phone-error crr-phone-hint")
    expect(phone).to_be_focused()
    assert_accessible(page)
    assert not Lead.objects.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embedded-referral-form-error.png"), full_page=True)

    phone.fill("480-555-0177")
    form.get_by_role("button", name="Send referral").click()
    expect(form.get_by_role("heading", name="Referral received")).to_be_visible()
    reference = form.locator(".ref").inner_text()
    lead = Lead.objects.get(reference=reference)
    assert lead.partner == partner
    assert lead.kind == LeadKind.PARTNER_REFERRAL
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "embedded-referral-form-received.png"), full_page=True)


def test_the_same_page_on_an_origin_not_in_the_keys_list_is_refused_in_words(page, partner_sites):
    _, elsewhere, _ = partner_sites
    page.goto(elsewhere.origin + "/")
    form = page.locator("core-recovery-referral")

    _fill(form, phone="480-555-0177")
    form.get_by_role("button", name="Send referral").click()

    expect(form.get_by_role("alert")).to_contain_text("may not be allowed to use the form")
    assert not Lead.objects.exists()


def test_the_form_speaks_spanish(page, partner_sites):
    allowed, _, _ = partner_sites
    allowed.html = allowed.html.replace(b'data-lang="en"', b'data-lang="es"')
    page.goto(allowed.origin + "/")
    form = page.locator("core-recovery-referral")

    expect(form.get_by_role("heading", name="Referir a alguien a Core Recovery")).to_be_visible()
    expect(form.get_by_text("llame al 911", exact=False)).to_be_visible()
    form.get_by_role("button", name="Enviar referencia").click()
    expect(form.locator("#crr-first_name-error")).to_have_text("Complete este campo.")
    expect(form.get_by_label("Nombre", exact=False).first).to_be_focused()
    assert_accessible(page)

    # An invalid phone: the API's own message, in Spanish because the form asks for it (Accept-Language: es).
    form.get_by_label("Nombre", exact=False).first.fill("Casey")
    form.get_by_label("Teléfono", exact=True).fill("123")
    form.get_by_label("Motivo de la referencia", exact=False).fill("Step-down after an inpatient stay.")
    form.get_by_label("Su nombre", exact=False).fill("Dr. Test Clinician")
    form.get_by_label("La persona aceptó ser referida a Core Recovery.").check()
    with page.expect_request(lambda request: request.method == "POST" and "/api/v1/referrals/" in request.url) as sent:
        form.get_by_role("button", name="Enviar referencia").click()
    assert sent.value.headers["accept-language"] == "es"
    phone = form.get_by_label("Teléfono", exact=True)
    expect(form.locator("#crr-phone-error")).to_have_text("Escriba un número de teléfono válido, p. ej., 602-555-0123.")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    expect(form.get_by_role("alert")).to_contain_text("Hay un problema")
    expect(form.get_by_role("alert")).not_to_contain_text("Enter a valid")
    assert_accessible(page)
    assert not Lead.objects.exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embedded-referral-form-error-es.png"), full_page=True)
