"""Getting in: invitations (single use, expiring), magic links (single use, 15 minutes, only in the browser that
asked), password with a TOTP code, lockout; only hashes of tokens are stored; no address in the logs."""

import base64
import io
import re
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from partners.models import PartnerUser, PartnerUserToken
from partners.services import partner_user_invite
from tests.portal.conftest import portal_client

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
PASSWORD = "correct horse battery staple"  # synthetic


def _link(message, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def _ask_link(client: Client, email: str):
    return client.post(reverse("portal:sign-in"), {"way": "link", "link-email": email})


def _invite(partner, outbox, capture, email="new.person@hospital.example"):
    with capture(execute=True):
        user = partner_user_invite(partner=partner, email=email)
    return user, _link(outbox[-1], "/partners/welcome/")


def _code(key: str, *, at: float | None = None) -> str:
    totp = TOTP(bytes.fromhex(key))
    totp.time = at or time.time()
    return f"{totp.token():06d}"


def _welcome_form(html: str) -> dict[str, str]:
    match = re.search(r'name="totp_key" value="([^"]+)"', html)
    assert match
    return {"totp_key": match.group(1)}


def _secret_key(html: str) -> str:
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html)
    assert match
    secret = match.group(1)
    return base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()


def test_an_invitation_signs_in_once_and_the_link_is_then_spent(partner_a, outbox, django_capture_on_commit_callbacks):
    user, link = _invite(partner_a, outbox, django_capture_on_commit_callbacks)
    client = Client()
    form = client.get(link)

    response = client.post(link, {**_welcome_form(form.content.decode()), "method": "magic_link", "name": "Pat"})

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:refer")
    assert client.get(reverse("portal:refer")).status_code == 200  # signed in
    user.refresh_from_db()
    assert (user.sign_in_method, user.name) == ("magic_link", "Pat")
    again = Client().post(link, {**_welcome_form(form.content.decode()), "method": "magic_link"})
    assert again.status_code == 400
    assert "cannot be used" in again.content.decode()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not PartnerUserToken.objects.filter(token_hash=token).exists()  # only its hash is stored


def test_an_expired_invitation_cannot_be_used(partner_a, outbox, django_capture_on_commit_callbacks):
    user, link = _invite(partner_a, outbox, django_capture_on_commit_callbacks)
    user.tokens.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert Client().get(link).status_code == 400


def test_a_magic_link_works_once_and_only_in_the_browser_that_asked(member_a, outbox):
    browser = Client()
    _ask_link(browser, member_a.email)
    link = _link(outbox[-1], "/partners/sign-in/link/")

    opened = browser.get(link)  # a mail scanner's GET spends nothing
    elsewhere = Client().post(link)
    other_nonce = Client()
    other_nonce.cookies["cr_partner_browser"] = "another-browsers-nonce"
    redeemed = browser.post(link)
    again = browser.post(link)

    assert opened.status_code == 200
    assert elsewhere.status_code == 400
    assert other_nonce.post(link).status_code == 400
    assert redeemed.status_code == 302  # still usable where it was asked for
    assert browser.get(reverse("portal:referrals")).status_code == 200
    assert again.status_code == 400


def test_a_magic_link_expires_after_15_minutes(member_a, outbox):
    browser = Client()
    _ask_link(browser, member_a.email)
    token = member_a.tokens.get(purpose="magic_link")
    assert token.expires_at - token.created_at == timedelta(minutes=15)
    member_a.tokens.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = browser.post(_link(outbox[-1], "/partners/sign-in/link/"))

    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()


def test_an_unknown_or_removed_address_gets_the_same_answer_and_no_email(revoked_a, outbox):
    unknown = _ask_link(Client(), "nobody@nowhere.example")
    removed = _ask_link(Client(), revoked_a[0].email)

    assert unknown["Location"] == removed["Location"] == reverse("portal:sign-in-sent")
    assert outbox == []


def test_a_flood_of_link_requests_sends_three_links_at_most(member_a, outbox):
    for _ in range(6):
        _ask_link(Client(), member_a.email)

    assert len(outbox) == 3


def test_no_address_is_logged(member_a, outbox, caplog, partner_a, django_capture_on_commit_callbacks):
    caplog.set_level("DEBUG")
    _ask_link(Client(), member_a.email)
    _invite(partner_a, outbox, django_capture_on_commit_callbacks, email="logged.not@hospital.example")

    assert len(outbox) == 2
    assert "@" not in caplog.text


def _password_user(partner_a, outbox, capture) -> tuple[PartnerUser, str]:
    user, link = _invite(partner_a, outbox, capture)
    client = Client()
    html = client.get(link).content.decode()
    key = _secret_key(html)
    # The code of the step before: the sign-in right after must be able to use the current one.
    first_code = _code(key, at=time.time() - 30)
    response = client.post(link, {**_welcome_form(html), "method": "password_totp", "password": PASSWORD,
                                  "password_again": PASSWORD, "totp_code": first_code})  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    return user, key


def _password_sign_in(email: str, password: str, code: str):
    client = Client()
    data = {"way": "password", "pw-email": email, "pw-password": password, "pw-totp_code": code}
    return client, client.post(reverse("portal:sign-in"), data)


def test_password_and_totp_sign_in_and_a_code_works_once(partner_a, outbox, django_capture_on_commit_callbacks):
    user, key = _password_user(partner_a, outbox, django_capture_on_commit_callbacks)
    code = _code(key)

    client, response = _password_sign_in(user.email, PASSWORD, code)
    _, replayed = _password_sign_in(user.email, PASSWORD, code)

    assert response.status_code == 302
    assert client.get(reverse("portal:refer")).status_code == 200
    assert replayed.status_code == 400
    assert "not right" in replayed.content.decode()
    assert user.password != PASSWORD  # hashed


def test_a_wrong_code_or_password_is_refused(partner_a, outbox, django_capture_on_commit_callbacks):
    user, key = _password_user(partner_a, outbox, django_capture_on_commit_callbacks)

    assert _password_sign_in(user.email, "wrong password!!", _code(key))[1].status_code == 400
    assert _password_sign_in(user.email, PASSWORD, "000000")[1].status_code == 400


def test_too_many_failures_lock_the_account_even_for_the_right_password(
    partner_a, outbox, settings, django_capture_on_commit_callbacks
):
    user, key = _password_user(partner_a, outbox, django_capture_on_commit_callbacks)
    settings.AXES_FAILURE_LIMIT = 3  # the same limit as staff sign-in

    statuses = [_password_sign_in(user.email, "wrong password!!", "123456")[1].status_code for _ in range(3)]
    _, locked = _password_sign_in(user.email, PASSWORD, _code(key))

    assert statuses == [400, 400, 429]
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    user.refresh_from_db()
    assert user.locked_until > timezone.now()


def test_a_weak_password_or_a_wrong_first_code_keeps_the_invitation(
    partner_a, outbox, django_capture_on_commit_callbacks
):
    _, link = _invite(partner_a, outbox, django_capture_on_commit_callbacks)
    client = Client()
    html = client.get(link).content.decode()

    response = client.post(link, {**_welcome_form(html), "method": "password_totp", "password": "short",
                                  "password_again": "short", "totp_code": "000000"})  # fmt: skip

    body = response.content.decode()
    assert response.status_code == 400
    assert "too short" in body
    assert "This code is not right" in body
    assert client.get(link).status_code == 200  # not spent


def test_the_command_invites_by_email_without_printing_the_address(
    partner_a, outbox, django_capture_on_commit_callbacks
):
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_partner_user", partner=partner_a.name, email="Cmd.Person@Hospital.example", stdout=out)

    user = PartnerUser.objects.get(email="cmd.person@hospital.example")
    assert user.partner == partner_a
    assert len(outbox) == 1
    assert "/partners/welcome/" in outbox[0].body
    assert "@" not in out.getvalue()


def test_the_admin_invites_from_the_partners_page(partner_a, outbox, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:partners_partner_invite", args=[partner_a.pk]),
            {"email": "from.admin@hospital.example", "role": "admin"},
        )

    assert response.status_code == 302
    assert PartnerUser.objects.get(email="from.admin@hospital.example").is_partner_admin
    assert len(outbox) == 1
    change = admin_client.get(reverse("admin:partners_partner_change", args=[partner_a.pk])).content.decode()
    assert "from.admin@hospital.example" in change
    assert reverse("admin:partners_partner_invite", args=[partner_a.pk]) in change


def test_the_portal_speaks_spanish_when_asked(member_a):
    client = portal_client(member_a)
    client.post(reverse("portal:language"), {"language": "es", "next": reverse("portal:refer")})

    html = client.get(reverse("portal:refer")).content.decode()

    assert '<html lang="es">' in html
    assert "Referir a alguien" in html
    assert "<strong>988</strong>" in html


def test_an_invitation_sent_again_replaces_the_first_and_an_account_in_use_is_not_invited(
    partner_a, member_a, outbox, django_capture_on_commit_callbacks
):
    _, first = _invite(partner_a, outbox, django_capture_on_commit_callbacks)
    _, second = _invite(partner_a, outbox, django_capture_on_commit_callbacks)
    member_a.activated_at = timezone.now()
    member_a.save(update_fields=["activated_at"])

    with pytest.raises(ValidationError):
        partner_user_invite(partner=partner_a, email=member_a.email)

    assert Client().get(first).status_code == 400
    assert Client().get(second).status_code == 200
