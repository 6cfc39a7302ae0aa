"""Security headers on the API, its docs and the admin; staff sign-in locks out after failures and can require
TOTP."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from leads.models import Lead
from tests.factories import ArticleFactory, FAQFactory, ProgramFactory, paragraph
from tests.leads.conftest import lead_body

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-password-1"


def test_json_responses_carry_a_strict_content_security_policy(client):
    response = client.get("/api/v1/faqs/")

    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_need_no_inline_script_under_their_policy(client, url):
    response = client.get(url)
    html = response.content.decode()

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in html  # every script is a file the policy allows


def test_the_swagger_start_up_script_is_served_as_a_file(client):
    html = client.get("/api/docs/").content.decode()
    script_url = html.split('<script src="')[-1].split('"')[0]

    response = client.get(script_url.replace("&amp;", "&"))

    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


class InlineCode(HTMLParser):
    """What a page has that `script-src 'self'; style-src 'self'` would block: inline scripts and styles,
    event-handler attributes, javascript: URLs; and scripts or styles from another origin."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script":
            # JSON data blocks (`type="application/json"`) are not run, and CSP leaves them alone.
            runs = attributes.get("type") in {None, "", "text/javascript", "module"}
            self._in_inline_script = runs and not attributes.get("src")
            if not (attributes.get("src") or "/").startswith("/"):
                self.blocked.append(f"<script src={attributes['src']}>")
        stylesheet = tag == "link" and attributes.get("rel") == "stylesheet"
        if stylesheet and not (attributes.get("href") or "").startswith("/"):
            self.blocked.append(f"<link href={attributes.get('href')}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.blocked.append(f"<script>{data.strip()[:40]}")


def blocked_by_the_page_policy(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.blocked


def test_the_admin_and_its_sign_in_page_carry_a_content_security_policy(client):
    for url in (reverse("admin:login"), reverse("admin:index"), "/admin/no-such-page/"):
        policy = client.get(url)["Content-Security-Policy"]

        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_the_sign_in_page_needs_nothing_its_policy_blocks(client, settings):
    settings.ADMIN_REQUIRE_OTP = "personal-data"

    assert blocked_by_the_page_policy(client.get(reverse("admin:login")).content.decode()) == []


def test_the_admin_pages_editors_and_intake_use_need_nothing_their_policy_blocks(client, django_user_model):
    article = ArticleFactory(body_es=[paragraph("Palabras.")])  # the body preview shows both languages
    FAQFactory()
    ProgramFactory(slug="iop")
    reference = client.post("/api/v1/leads/", lead_body(), content_type="application/json").json()["reference"]
    staff = django_user_model.objects.create_superuser("csp-staff", "c@example.org", PASSWORD)
    client.force_login(staff)
    lead_id = Lead.objects.get(reference=reference).pk
    urls = [
        reverse("admin:index"),
        reverse("admin:content_article_changelist"),
        reverse("admin:content_article_add"),
        reverse("admin:content_article_change", args=[article.pk]),
        reverse("admin:content_faq_changelist"),  # editable in the list
        reverse("admin:leads_lead_changelist"),
        reverse("admin:leads_lead_change", args=[lead_id]),
        reverse("admin:leads_lead_status", args=[lead_id]),
        reverse("admin:otp_totp_totpdevice_add"),
        reverse("admin:notifications_webhookendpoint_add"),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"].startswith("default-src 'self'"), url
        assert blocked_by_the_page_policy(response.content.decode()) == [], url
    # The body preview's layout comes as a file the policy allows.
    change_page = client.get(reverse("admin:content_article_change", args=[article.pk])).content.decode()
    stylesheet = change_page.split('href="')[1:]
    preview_css = next(href.split('"')[0] for href in stylesheet if "body_preview" in href.split('"')[0])
    assert client.get(preview_css).status_code == 200


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staffer", password=PASSWORD, is_staff=True, is_superuser=True)


def sign_in(client, password, **extra):
    return client.post(reverse("admin:login"), {"username": "staffer", "password": password, **extra})


def test_repeated_failed_sign_ins_lock_the_account_out(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(client, "wrong-password")

    locked = sign_in(client, PASSWORD)

    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302  # not signed in


def test_a_good_sign_in_works_and_resets_the_count(client, staff):
    sign_in(client, "wrong-password")

    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_totp_required_a_password_alone_is_not_enough(client, staff, settings):
    settings.ADMIN_REQUIRE_OTP = "all"
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    without = sign_in(client, PASSWORD)
    assert client.get("/admin/").status_code == 302
    with_code = sign_in(client, PASSWORD, otp_device=device.persistent_id, otp_token=f"{totp(device.bin_key):06d}")

    assert without.status_code == 200  # the form again, asking for the code
    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_api_never_touches_the_browser_session_but_the_admin_and_ack_pages_do(client, django_user_model):
    from django.contrib.sessions.models import Session

    staff = django_user_model.objects.create_superuser("session-staff", "s@example.org", PASSWORD)
    client.force_login(staff)
    sessions_before = Session.objects.count()
    api = client.get("/api/v1/faqs/")
    lead = client.post("/api/v1/leads/", {}, content_type="application/json")

    for response in (api, lead):
        assert not hasattr(response.wsgi_request, "session")  # the session layer did not run
        assert not hasattr(response.wsgi_request, "_messages")
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies  # nor written
    assert lead.status_code == 400  # a session is no credential for the API (the form is anonymous anyway)
    assert Session.objects.count() == sessions_before
    admin_page = client.get(reverse("admin:index"))
    assert admin_page.status_code == 200
    assert "Cookie" in admin_page["Vary"]
    ack = client.get("/api/v1/leads/ack/not-a-token/")
    assert ack.status_code in {400, 404, 410}  # the signed-in staff member reaches the check of the token
