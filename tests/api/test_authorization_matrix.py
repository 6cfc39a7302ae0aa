"""Who may call what: for every endpoint and every kind of caller, the status it must answer.

`MATRIX` is the table to audit: one row per endpoint, one column per caller, in the order of `CALLERS`.

- anonymous: no credentials at all.
- site_key: a content-only key (`content:read`, no partner).
- partner_a, partner_b: keys of two partners with `referrals:write` and `referrals:read`.
- revoked_key, expired_key: a partner's key that was revoked, or whose expiry date has passed.
- staff: a signed-in member of the admissions staff: `leads.view_lead` and `leads.change_lead`, not the
  personal-data permission.
- user: a signed-in user who is not staff, although holding `view_lead` and `view_personal_data`: being staff
  is what opens the admin, a permission alone opens nothing.

Session callers use a client that enforces CSRF checks, as a browser would. The API authenticates API keys
only, so a session is anonymous to it; the admin and the acknowledge link know sessions only, so an API key
is anonymous to them. The public endpoints ignore keys entirely (`POST /api/v1/leads/` and its form token, the
probes), or check any key they are sent (content, schema, docs): a revoked or expired key there is 401, never
silently anonymous.

`LOGIN` is a 302 to the admin's login page (the one sign-in of staff); `LEAD` a 302 to the lead's page in the staff
workspace. The staff workspace's forms are posted with a CSRF token only: without one every caller gets 403. The
staff pages for each role are held by tests/staff/test_roles_matrix.py.
"""

from dataclasses import dataclass
from datetime import timedelta
from importlib.util import find_spec
from typing import Any, NamedTuple
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from content.seeding import seed_content
from leads.models import Lead, LeadEvent, LeadStatusChange
from notifications.models import Notification, Recipient
from notifications.tokens import make_token
from partners.models import Partner
from tests.leads.conftest import Credentials, lead_body, make_key, referral_body

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location starts with `to`."""

    to: str

    def __repr__(self) -> str:
        return f"302→{self.to}"


LOGIN = Redirect("/admin/login/")
LEAD = Redirect("/staff/leads/L-")
INBOX = Redirect("/staff/leads/")
PORTAL = Redirect("/partners/sign-in/")
REFS = Redirect("/partners/referrals/")  # the referral portal's own sign-in (partner people, not staff)

Expected = int | Redirect

CALLERS = ("anonymous", "site_key", "partner_a", "partner_b", "revoked_key", "expired_key", "staff", "user")


class Row(NamedTuple):
    method: str
    # Placeholders: {reference} (partner A's referral), {lead_id} (its id), {token} (an acknowledge link for it).
    path: str
    anonymous: Expected
    site_key: Expected
    partner_a: Expected
    partner_b: Expected
    revoked_key: Expected
    expired_key: Expected
    staff: Expected
    user: Expected

    @property
    def expected(self) -> dict[str, Expected]:
        return {caller: getattr(self, caller) for caller in CALLERS}


# fmt: off
MATRIX = [
    #   method  path                                        anon   site   A      B      revok. expir. staff  user
    # Content: public; a key, if sent, must be valid.
    Row("GET",  "/api/v1/site/",                            200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/programs/",                        200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/programs/iop/",                    200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/therapies/",                       200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/therapies/cbt/",                   200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/articles/",                        200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/articles/role-of-therapy-in-iop/", 200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/faqs/",                            200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/testimonials/",                    200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/redirects/",                       200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/sitemap/",                         200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/menus/",                           200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/menus/header/",                    200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/insurance/",                       200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/media/",                           200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/v1/media/999999/",                    404,   404,   404,   404,   401,   401,   404,   404),
    # Image files (filesystem storage): public, by content-hashed name; one that is not there is a 404.
    Row("GET",  "/media/renditions/0123456789abcdef0123456789abcdef.jpg", 404, 404, 404, 404, 404, 404, 404, 404),
    # Open Referral HSDS for directories: public like content (seeded ids: content.directory, UUIDv5).
    Row("GET",  "/hsds",                                    200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/hsds/",                                   200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/hsds/openapi.json",                       200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/hsds/services",                           200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET", "/hsds/services/6d9b6ec5-5e0b-5975-8e84-50e16e8c3bfc", 200, 200, 200, 200, 401, 401, 200, 200),
    Row("GET",  "/hsds/service_at_locations",               200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET", "/hsds/service_at_locations/f2b6c478-ebef-51f8-9b86-29d438ce339a", 200, 200, 200, 200, 401, 401, 200, 200),  # noqa: E501
    Row("GET",  "/hsds/organizations",                      200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET", "/hsds/organizations/dbfa6d4a-85cf-5c3a-ad09-bb5b380a2c8d", 200, 200, 200, 200, 401, 401, 200, 200),
    Row("GET",  "/hsds/taxonomies",                         200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET", "/hsds/taxonomies/b4d217ff-6d45-56cf-a56f-db0cdf43ef5b", 200, 200, 200, 200, 401, 401, 200, 200),
    Row("GET",  "/hsds/taxonomy_terms",                     200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET", "/hsds/taxonomy_terms/54118dd5-f1d9-55de-84c6-b452f38846f4", 200, 200, 200, 200, 401, 401, 200, 200),
    # Contact form and its form token: anonymous by design (no authentication class), so any key or session is
    # simply ignored.
    Row("POST", "/api/v1/leads/",                           201,   201,   201,   201,   201,   201,   201,   201),
    Row("GET",  "/api/v1/leads/form-token/",                200,   200,   200,   200,   200,   200,   200,   200),
    # Referrals: a partner's key with the action's scope; the site key has none (403); sessions are not keys.
    Row("POST", "/api/v1/referrals/",                       401,   403,   201,   201,   401,   401,   401,   401),
    Row("GET",  "/api/v1/referrals/",                       401,   403,   200,   200,   401,   401,   401,   401),
    Row("GET",  "/api/v1/referrals/{reference}/",           401,   403,   200,   404,   401,   401,   401,   401),
    # Twilio's callback: only a valid X-Twilio-Signature is accepted, whoever calls.
    Row("POST", "/api/v1/webhooks/twilio/status/",          403,   403,   403,   403,   403,   403,   403,   403),
    # The ESPs' delivery reports (django-anymail): only anymail's basic auth (and the ESP's signature) is accepted.
    Row("POST", "/webhooks/email/postmark/tracking/",       400,   400,   400,   400,   400,   400,   400,   400),
    # SES: anymail answers a request without an Authorization header 401 with a Basic challenge (SNS sends its
    # credentials only when challenged); mounted where boto3 is installed (config/urls.py).
    *([Row("POST", "/webhooks/email/amazon_ses/tracking/",  401,   400,   400,   400,   400,   400,   401,   401)]
      if find_spec("boto3") else []),
    Row("POST", "/webhooks/email/mailgun/tracking/",        400,   400,   400,   400,   400,   400,   400,   400),
    Row("POST", "/webhooks/email/sendgrid/tracking/",       400,   400,   400,   400,   400,   400,   400,   400),
    # The OpenAPI document and its renderings: public; a key, if sent, must be valid.
    Row("GET",  "/api/schema/",                             200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/docs/",                               200,   200,   200,   200,   401,   401,   200,   200),
    Row("GET",  "/api/redoc/",                              200,   200,   200,   200,   401,   401,   200,   200),
    # The embeddable referral form's script, for partners' pages: public, no authentication (docs/partners.md).
    Row("GET",  "/embed/v1/referral.js",                    200,   200,   200,   200,   200,   200,   200,   200),
    Row("GET",  "/embed/referral.js",                       200,   200,   200,   200,   200,   200,   200,   200),
    # Probes: no authentication at all.
    Row("GET",  "/healthz",                                 200,   200,   200,   200,   200,   200,   200,   200),
    Row("GET",  "/readyz",                                  200,   200,   200,   200,   200,   200,   200,   200),
    # Prometheus's scrape: off (404) unless METRICS_TOKEN is set, then only its bearer token (tests/ops).
    Row("GET",  "/metrics",                                 404,   404,   404,   404,   404,   404,   404,   404),
    # The staff side: a staff session with the model permission; API keys mean nothing there.
    Row("GET",  "/admin/leads/lead/",                       LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   LOGIN),
    Row("GET",  "/admin/leads/lead/{lead_id}/change/",      LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   LOGIN),
    Row("GET",  "/api/v1/leads/ack/{token}/",               LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LEAD,  LOGIN),
    # The staff workspace: sessions of staff accounts only (this staff caller has no `add_lead`).
    Row("GET",  "/staff/",                                  INBOX, INBOX, INBOX, INBOX, INBOX, INBOX, INBOX, INBOX),
    Row("GET",  "/staff/leads/",                            LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   LOGIN),
    Row("GET",  "/staff/leads/new/",                        LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403,   LOGIN),
    Row("GET",  "/staff/leads/{reference}/",                LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200,   LOGIN),
    Row("POST", "/staff/leads/{reference}/take/",           403,   403,   403,   403,   403,   403,   403,   403),
    Row("POST", "/staff/leads/{reference}/status/",         403,   403,   403,   403,   403,   403,   403,   403),
    Row("POST", "/staff/leads/{reference}/attempts/",       403,   403,   403,   403,   403,   403,   403,   403),
    Row("POST", "/staff/leads/{reference}/reassign/",       403,   403,   403,   403,   403,   403,   403,   403),
    # The dashboard: the intake lead's and the clinical director's (`view_dashboard`), not this staff caller's.
    Row("GET",  "/staff/dashboard/",                        LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403,   LOGIN),
    Row("GET",  "/staff/dashboard.csv",                     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403,   LOGIN),
    # The referral portal: partner people's own sessions only (tests/portal holds them); a staff session and an
    # API key are nobody there. A link's page shows a button (a scanner spends nothing); a bad invitation is 400.
    Row("GET",  "/partners/",                               REFS,  REFS,  REFS,  REFS,  REFS,  REFS,  REFS,  REFS),
    Row("GET",  "/partners/sign-in/",                       200,   200,   200,   200,   200,   200,   200,   200),
    Row("GET",  "/partners/sign-in/sent/",                  200,   200,   200,   200,   200,   200,   200,   200),
    Row("GET",  "/partners/sign-in/link/not-a-token/",      200,   200,   200,   200,   200,   200,   200,   200),
    Row("GET",  "/partners/welcome/not-a-token/",           400,   400,   400,   400,   400,   400,   400,   400),
    Row("POST", "/partners/sign-out/",                      403,   403,   403,   403,   403,   403,   403,   403),
    Row("GET",  "/partners/refer/",                         *[PORTAL] * 8),
    Row("GET",  "/partners/refer/{reference}/done/",        *[PORTAL] * 8),
    Row("GET",  "/partners/referrals/",                     *[PORTAL] * 8),
    Row("GET",  "/partners/referrals/{reference}/",         *[PORTAL] * 8),
    Row("GET",  "/partners/team/",                          *[PORTAL] * 8),
    Row("POST", "/partners/team/invite/",                   403,   403,   403,   403,   403,   403,   403,   403),
    Row("POST", "/partners/team/1/remove/",                 403,   403,   403,   403,   403,   403,   403,   403),
    Row("POST", "/partners/language/",                      403,   403,   403,   403,   403,   403,   403,   403),
]
# fmt: on

IDEMPOTENCY_KEY = "authz-matrix-referral-a"


@dataclass
class World:
    """Seeded content, the callers' credentials, and partner A's referral (sent through the API)."""

    keys: dict[str, Credentials]
    users: dict[str, User]
    reference: str
    lead: Lead
    token: str

    def client(self, caller: str) -> APIClient:
        client = APIClient(enforce_csrf_checks=True)
        if caller in self.users:
            client.force_login(self.users[caller])
        elif caller in self.keys:
            client.credentials(**self.keys[caller].header)
        return client

    def path(self, row: Row) -> str:
        return row.path.format(reference=self.reference, lead_id=self.lead.pk, token=self.token)


def _partner(name: str) -> Partner:
    return Partner.objects.create(name=name, slug=name.lower().replace(" ", "-"))


def _user(django_user_model: Any, username: str, *, is_staff: bool, codenames: list[str]) -> User:
    user = django_user_model.objects.create_user(username, password="x" * 12, is_staff=is_staff)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads", codename__in=codenames))
    return user


@pytest.fixture
def world(django_user_model: Any) -> World:
    seed_content()
    referral_scopes = ["referrals:write", "referrals:read"]
    keys = {
        "site_key": make_key(None, ["content:read"]),
        "partner_a": make_key(_partner("Partner A"), referral_scopes),
        "partner_b": make_key(_partner("Partner B"), referral_scopes),
        "revoked_key": make_key(_partner("Partner R"), referral_scopes, revoked=True),
        "expired_key": make_key(_partner("Partner E"), referral_scopes, expiry_date=timezone.now() - timedelta(days=1)),
    }
    users = {
        "staff": _user(django_user_model, "staff", is_staff=True, codenames=["view_lead", "change_lead"]),
        "user": _user(django_user_model, "user", is_staff=False, codenames=["view_lead", "view_personal_data"]),
    }
    partner_a = APIClient()
    partner_a.credentials(**keys["partner_a"].header)
    sent = partner_a.post("/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=IDEMPOTENCY_KEY)
    assert sent.status_code == 201, sent.content
    reference = sent.json()["reference"]
    lead = Lead.objects.get(reference=reference)
    recipient = Recipient.objects.create(name="Matrix", email="matrix@staff.example", channels=["email"])
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.CREATED)
    notification = Notification.objects.create(event=event, recipient=recipient, channel="email")
    return World(keys=keys, users=users, reference=reference, lead=lead, token=make_token(notification.pk))


def _send(client: APIClient, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    if path.startswith("/partners/"):
        return client.post(path, {"email": "someone@partner.example", "language": "es"})
    if path.startswith("/staff/"):
        return client.post(path, {"to_status": "contacted", "channel": "call", "outcome": "reached"})
    if path == "/api/v1/leads/":
        return client.post(path, lead_body(), format="json")
    if path == "/api/v1/referrals/":
        return client.post(path, referral_body(), format="json")
    if path == "/api/v1/webhooks/twilio/status/":
        form = urlencode({"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"})
        return client.post(path, form, content_type="application/x-www-form-urlencoded")
    if path.startswith("/webhooks/email/"):
        # An SNS envelope whose headers match (anymail's SES view answers 500 to anything else), with no
        # credentials: what is refused here is the caller, not the shape of the body.
        body = '{"Type": "Notification", "MessageId": "authz-matrix"}'
        return client.post(
            path,
            body,
            content_type="application/json",
            HTTP_X_AMZ_SNS_MESSAGE_TYPE="Notification",
            HTTP_X_AMZ_SNS_MESSAGE_ID="authz-matrix",
        )
    raise AssertionError(f"no request body defined for {method} {path}")


def _observed(response: Any, expected: Expected) -> Expected:
    """The response's status, or a Redirect that equals `expected` when it goes where expected."""
    if response.status_code != 302:
        return int(response.status_code)
    location = response["Location"]
    if isinstance(expected, Redirect) and location.startswith(expected.to):
        return expected
    return Redirect(location)


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.path}" for row in MATRIX])
def test_every_caller_gets_the_expected_status(world, row):
    observed = {
        caller: _observed(_send(world.client(caller), row.method, world.path(row)), expected)
        for caller, expected in row.expected.items()
    }

    assert observed == row.expected


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin: its lead pages are in the matrix; the rest is Django's own
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_the_matrix_covers_every_endpoint_outside_the_admin():
    """A new route fails this test until it gets a row in the matrix."""
    covered = {resolve(row.path.format(reference="L-000000", lead_id=1, token="x.y.z")).view_name for row in MATRIX}

    assert _url_names(get_resolver().url_patterns) <= covered


def test_partner_b_can_neither_read_nor_list_nor_infer_partner_as_referral(world):
    partner_b = world.client("partner_b")
    assert not Lead.objects.filter(reference="L-000000").exists()

    theirs = partner_b.get(f"/api/v1/referrals/{world.reference}/")
    theirs_lower_case = partner_b.get(f"/api/v1/referrals/{world.reference.lower()}/")
    missing = partner_b.get("/api/v1/referrals/L-000000/")
    listed = partner_b.get("/api/v1/referrals/")

    # Exactly what a reference that does not exist gets: status, headers and bytes.
    assert theirs.status_code == theirs_lower_case.status_code == missing.status_code == 404
    assert theirs.content == theirs_lower_case.content == missing.content
    assert dict(theirs.headers) == dict(missing.headers)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert listed.json()["results"] == []
    assert world.reference not in listed.content.decode()


def test_partner_b_reusing_partner_as_idempotency_key_gets_a_referral_of_its_own(world):
    """Idempotency keys are scoped to the partner: B's retry under A's key never replays A's response."""
    response = world.client("partner_b").post(
        "/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=IDEMPOTENCY_KEY
    )

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert response.json()["reference"] != world.reference
    assert Lead.objects.get(reference=response.json()["reference"]).partner == world.keys["partner_b"].partner
    assert world.reference not in response.content.decode()


def test_partner_as_referral_is_listed_for_partner_a_only(world):
    listed = world.client("partner_a").get("/api/v1/referrals/").json()

    assert [item["reference"] for item in listed["results"]] == [world.reference]


def test_the_staff_page_of_the_lead_hides_personal_data_without_the_permission(world):
    page = world.client("staff").get(f"/admin/leads/lead/{world.lead.pk}/change/").content.decode()

    assert world.reference in page
    assert "Casey" not in page  # the referral's first name (tests.leads.conftest.referral_body)
    assert "+14805550177" not in page


def test_partner_a_cannot_change_or_delete_its_referral_through_the_api(world):
    """No verb but GET reaches a referral; the permission refuses it (the action has no scope) before any
    method check, hence 403 rather than 405."""
    partner_a = world.client("partner_a")
    before = list(Lead.objects.filter(pk=world.lead.pk).values())

    statuses = {
        method: getattr(partner_a, method)(f"/api/v1/referrals/{world.reference}/", {"status": "admitted"}).status_code
        for method in ("put", "patch", "delete", "post")
    }

    assert statuses == {"put": 403, "patch": 403, "delete": 403, "post": 403}
    assert list(Lead.objects.filter(pk=world.lead.pk).values()) == before


@pytest.mark.parametrize(
    "path", ["/api/v1/site/", "/api/v1/programs/", "/api/v1/programs/iop/", "/api/v1/faqs/", "/api/v1/leads/"]
)
def test_no_write_verbs_on_public_endpoints(world, path):
    site_key = world.client("site_key")

    statuses = {method: getattr(site_key, method)(path, {}).status_code for method in ("put", "patch", "delete")}

    assert statuses == {"put": 405, "patch": 405, "delete": 405}


@pytest.mark.parametrize("path", ["/admin/leads/lead/", "/admin/leads/lead/{lead_id}/change/"])
def test_staff_without_a_leads_permission_are_refused_the_lead_pages(world, django_user_model, path):
    editor = _user(django_user_model, "editor", is_staff=True, codenames=[])
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.get(path.format(lead_id=world.lead.pk))

    assert response.status_code == 403


# Mass assignment: fields a client must never set. Each is refused by name (400, "Unknown field.") and nothing
# is written. `urgency` is a referral's own field (the partner says how urgent), but never a contact request's.
FORBIDDEN = {
    "status": "admitted",
    "partner": "PARTNER_B",  # replaced by partner B's id
    "reference": "L-AAAAAA",
    "kind": "partner_referral",
    "urgency": "urgent",
    "is_spam": True,
    "acknowledged_at": "2026-01-01T00:00:00Z",
}
MASS_ASSIGNMENT = [("/api/v1/leads/", field) for field in FORBIDDEN] + [
    ("/api/v1/referrals/", field) for field in FORBIDDEN if field != "urgency"
]


def _snapshot() -> tuple[list[Any], int, int]:
    leads = list(Lead.objects.order_by("id").values())
    return leads, LeadStatusChange.objects.count(), LeadEvent.objects.count()


@pytest.mark.parametrize(("path", "field"), MASS_ASSIGNMENT, ids=[f"{p} {f}" for p, f in MASS_ASSIGNMENT])
def test_fields_a_client_must_not_set_are_refused_and_change_nothing(world, path, field):
    value = world.keys["partner_b"].partner.pk if FORBIDDEN[field] == "PARTNER_B" else FORBIDDEN[field]
    if path == "/api/v1/leads/":
        client, body = world.client("anonymous"), lead_body(**{field: value})
    else:
        client, body = world.client("partner_a"), referral_body(**{field: value})
    before = _snapshot()

    response = client.post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == {field: ["Unknown field."]}
    assert _snapshot() == before
