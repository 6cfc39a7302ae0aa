"""Every portal page for every kind of visitor: allowed, sent to sign in, refused or not found, never a 500;
and the portal's session and the staff's never stand in for each other."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.models import Lead
from partners.models import PartnerUser
from partners.services import partner_user_remove
from tests.portal.conftest import make_person, portal_client

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

SIGN_IN = "sign-in"
# page → what each visitor gets: a status, or SIGN_IN for a redirect to the portal's sign-in page.
PAGES = {
    "sign-in": {"anonymous": 200, "member_a": 200, "admin_a": 200, "member_b": 200, "staff": 200, "revoked": 200},
    "refer": {"anonymous": SIGN_IN, "member_a": 200, "admin_a": 200, "member_b": 200, "staff": SIGN_IN,
              "revoked": SIGN_IN},
    "refer-done": {"anonymous": SIGN_IN, "member_a": 200, "admin_a": 200, "member_b": 404, "staff": SIGN_IN,
                   "revoked": SIGN_IN},
    "referrals": {"anonymous": SIGN_IN, "member_a": 200, "admin_a": 200, "member_b": 200, "staff": SIGN_IN,
                  "revoked": SIGN_IN},
    "referral": {"anonymous": SIGN_IN, "member_a": 200, "admin_a": 200, "member_b": 404, "staff": SIGN_IN,
                 "revoked": SIGN_IN},
    "team": {"anonymous": SIGN_IN, "member_a": 403, "admin_a": 200, "member_b": 403, "staff": SIGN_IN,
             "revoked": SIGN_IN},
}  # fmt: skip
VISITORS = ["anonymous", "member_a", "admin_a", "member_b", "staff", "revoked"]


@pytest.fixture
def a_referral(member_a, programs) -> Lead:
    from tests.portal.test_refer import _form

    response = portal_client(member_a).post(reverse("portal:refer"), _form())
    assert response.status_code == 302
    return Lead.objects.get()


@pytest.fixture
def visitors(member_a, admin_a, member_b, revoked_a, django_user_model) -> dict[str, Client]:
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("boss", "boss@center.example", "x" * 12))
    return {"anonymous": Client(), "member_a": portal_client(member_a), "admin_a": portal_client(admin_a),
            "member_b": portal_client(member_b), "staff": staff, "revoked": revoked_a[1]}  # fmt: skip


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_for_each_visitor(name, visitors, a_referral):
    args = [a_referral.reference] if name in {"refer-done", "referral"} else []
    path = reverse(f"portal:{name}", args=args)
    for visitor in VISITORS:
        response = visitors[visitor].get(path)
        expected = PAGES[name][visitor]
        if expected == SIGN_IN:
            assert response.status_code == 302, (visitor, response.status_code)
            assert response["Location"].startswith(reverse("portal:sign-in") + "?next="), visitor
        else:
            assert response.status_code == expected, (visitor, response.status_code)
            assert response["Content-Type"].startswith("text/html")
        assert response.get("Cache-Control") == "private, no-store"


def test_a_partner_user_never_reaches_the_admin_or_the_staff_pages(member_a, admin_a):
    for client in (portal_client(member_a), portal_client(admin_a)):
        assert client.get("/admin/")["Location"].startswith("/admin/login/")
        assert client.get(reverse("staff:inbox"))["Location"].startswith("/admin/login/")
        assert client.get("/admin/partners/partneruser/")["Location"].startswith("/admin/login/")


def test_signing_out_of_the_portal_leaves_a_staff_session_alone(member_a, django_user_model):
    client = portal_client(member_a)
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@center.example", "x" * 12))

    client.post(reverse("portal:sign-out"))

    assert client.get(reverse("portal:refer")).status_code == 302  # signed out of the portal
    assert client.get("/admin/").status_code == 200  # still signed in as staff


def test_the_session_cookie_is_limited_to_the_portal(member_a):
    response = Client().post(reverse("portal:sign-in"), {"way": "link", "link-email": member_a.email})

    cookie = response.cookies["cr_partner_browser"]
    assert cookie["path"] == "/partners/"
    assert cookie["httponly"]


def test_a_member_cannot_invite_or_remove(member_a, admin_a, outbox):
    client = portal_client(member_a)

    invite = client.post(reverse("portal:team-invite"), {"email": "new@hospital.example", "role": "admin"})
    remove = client.post(reverse("portal:team-remove", args=[admin_a.pk]))

    assert (invite.status_code, remove.status_code) == (403, 403)
    assert outbox == []
    assert PartnerUser.objects.filter(pk=admin_a.pk, is_active=True).exists()


def test_a_partner_admin_invites_and_removes_their_own_people_only(
    admin_a, member_a, member_b, outbox, django_capture_on_commit_callbacks
):
    client = portal_client(admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("portal:team-invite"), {"email": "New@Hospital.example", "role": "member"})
    removed = client.post(reverse("portal:team-remove", args=[member_a.pk]))
    other = client.post(reverse("portal:team-remove", args=[member_b.pk]))
    themselves = client.post(reverse("portal:team-remove", args=[admin_a.pk]))

    assert invited.status_code == 302
    assert PartnerUser.objects.get(email="new@hospital.example").partner == admin_a.partner
    assert len(outbox) == 1
    assert removed.status_code == 302
    member_a.refresh_from_db()
    assert not member_a.is_active
    assert member_a.removed_at is not None  # kept for the record
    assert other.status_code == 404  # another partner's person is not found
    assert themselves.status_code == 403
    assert portal_client(admin_a).get(reverse("portal:team")).status_code == 200


def test_an_address_of_another_partner_cannot_be_invited_and_is_not_revealed(admin_a, member_b, outbox):
    response = portal_client(admin_a).post(reverse("portal:team-invite"), {"email": member_b.email, "role": "member"})

    assert response.status_code == 400
    assert "already has a portal account" in response.content.decode()
    assert "School" not in response.content.decode()
    assert outbox == []


def test_a_removed_person_is_signed_out_at_once(revoked_a):
    _, client = revoked_a

    assert client.get(reverse("portal:refer")).status_code == 302


def portal_user_reads(client) -> tuple[int, int]:
    """A portal page's status, and how many of its queries read the portal users' table."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(reverse("portal:referrals")).status_code
    return status, sum('"partners_partneruser"' in query["sql"] for query in queries.captured_queries)


def test_the_signed_in_person_is_read_once_then_cached(member_a):
    client = portal_client(member_a)

    assert portal_user_reads(client) == (200, 1)
    assert portal_user_reads(client) == (200, 0)


def test_a_person_removed_after_a_page_is_signed_out_on_the_next_one(member_a):
    client = portal_client(member_a)
    assert client.get(reverse("portal:refer")).status_code == 200  # the person is now in the cache

    partner_user_remove(user=member_a, by=None)

    assert client.get(reverse("portal:refer")).status_code == 302


def test_a_partner_deactivated_after_a_page_signs_its_people_out_on_the_next_one(member_a):
    client = portal_client(member_a)
    assert client.get(reverse("portal:refer")).status_code == 200

    member_a.partner.is_active = False
    member_a.partner.save()

    assert client.get(reverse("portal:refer")).status_code == 302


def test_an_unknown_portal_path_is_a_page_in_words(member_a):
    response = portal_client(member_a).get("/partners/no-such-page/")

    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()
    assert "Refer someone" in response.content.decode()  # the portal's navigation, not the staff's


def test_a_staff_user_model_is_not_a_partner(member_a):
    assert not isinstance(member_a, get_user_model())
    assert make_person(member_a.partner, "x@hospital.example").pk != member_a.pk


# A URL that only a form's POST uses, and where a person who lands on it by a GET (a bookmark, a reload) is sent.
POST_ONLY = {"team-invite": "team", "team-remove": "team", "language": "home"}


@pytest.mark.parametrize(("name", "to"), list(POST_ONLY.items()))
def test_a_person_landing_on_an_action_url_is_sent_to_its_page_not_shown_a_bare_405(name, to, admin_a, member_a):
    args = [member_a.pk] if name == "team-remove" else []
    client = portal_client(admin_a)

    response = client.get(reverse(f"portal:{name}", args=args))

    assert response.status_code == 302
    assert response["Location"] == reverse(f"portal:{to}")
    assert response.get("Cache-Control") == "private, no-store"
    assert PartnerUser.objects.filter(pk=member_a.pk, is_active=True).exists()  # a GET changed nothing
    assert client.get(response["Location"], follow=True).status_code == 200


def test_a_bookmarked_sign_out_url_shows_a_sign_out_button_and_does_not_sign_out(member_a):
    client = portal_client(member_a)
    client.cookies["django_language"] = "es"

    response = client.get(reverse("portal:sign-out"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Cerrar sesión en el portal de derivaciones</h1>" in html
    assert f'action="{reverse("portal:sign-out")}"' in html
    assert client.get(reverse("portal:refer")).status_code == 200  # still signed in
    client.post(reverse("portal:sign-out"))
    assert client.get(reverse("portal:refer")).status_code == 302


def test_an_action_url_sends_someone_signed_out_to_sign_in():
    for name in ("sign-out", "team-invite"):
        response = Client().get(reverse(f"portal:{name}"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:sign-in")), name


def test_a_member_landing_on_a_team_action_is_told_it_is_not_for_their_role(member_a):
    response = portal_client(member_a).get(reverse("portal:team-invite"))

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_other_methods_on_an_action_url_are_still_not_allowed(admin_a):
    response = portal_client(admin_a).put(reverse("portal:team-invite"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
