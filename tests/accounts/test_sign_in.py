"""Staff sign-in: slowed per account from any address; a TOTP code for accounts that can read personal data."""

from base64 import b32decode
from io import StringIO
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
import redis
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sign_in_guard
from tests.servers import caches_on

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-password-1"
ADDRESSES = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]
FIFTH_ADDRESS = "192.0.2.5"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The guard's clock, moved by the test: waits are checked without sleeping."""
    clock = Clock()
    monkeypatch.setattr(sign_in_guard, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staffer", password=PASSWORD, is_staff=True, is_superuser=True)


def sign_in(client, password, *, address="192.0.2.200", username="staffer", **extra):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


# Per-account slowing


def test_guessing_from_many_addresses_is_slowed_and_the_right_password_waits_its_turn(client, staff, clock):
    # 16 wrong passwords, 4 from each of 4 addresses (axes locks one address out after 5): each is checked, as
    # each comes after the wait of the one before.
    for attempt in range(16):
        clock.advance(300)
        sign_in(client, "wrong-password", address=ADDRESSES[attempt % 4])

    refused = sign_in(client, PASSWORD, address=FIFTH_ADDRESS)
    assert refused.status_code == 200
    assert "Too many attempts for this account: try again in 300 seconds." in refused.content.decode()
    assert not signed_in(client)

    clock.advance(299)
    assert "try again in 1 second." in sign_in(client, PASSWORD, address=FIFTH_ADDRESS).content.decode()
    clock.advance(1)
    assert sign_in(client, PASSWORD, address=FIFTH_ADDRESS).status_code == 302
    assert signed_in(client)


def test_from_the_fifth_failure_each_attempt_waits_twice_as_long_up_to_the_cap(settings):
    settings.SIGN_IN_SLOWDOWN_AFTER = 5
    settings.SIGN_IN_SLOWDOWN_MAX_SECONDS = 300

    waits = [sign_in_guard.delay_seconds(failures) for failures in (0, 4, 5, 6, 7, 12, 13, 14, 10_000)]

    assert waits == [0, 0, 1, 2, 4, 128, 256, 300, 300]


def test_attempts_refused_during_the_wait_are_not_counted_and_the_password_is_not_checked(
    client, staff, clock, monkeypatch
):
    for address in [*ADDRESSES, FIFTH_ADDRESS]:
        sign_in(client, "wrong-password", address=address)
    checked = []
    with monkeypatch.context() as patched:
        patched.setattr("django.contrib.auth.backends.ModelBackend.authenticate", lambda *a, **k: checked.append(1))
        for _ in range(20):
            assert "try again in 1 second." in sign_in(client, "another-guess").content.decode()
    assert checked == []  # refused before any password check

    clock.advance(1)  # 5 failures: 1 s, however many refused attempts came in between
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_the_failures(client, staff, clock):
    for address in [*ADDRESSES, FIFTH_ADDRESS]:
        sign_in(client, "wrong-password", address=address)
    clock.advance(1)
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()

    sign_in(client, "wrong-password")  # would be the 6th failure: a 2 s wait had nothing been forgotten

    assert sign_in(client, PASSWORD).status_code == 302


def test_failures_are_forgotten_after_the_window(client, staff, clock, settings):
    settings.SIGN_IN_SLOWDOWN_WINDOW_MINUTES = 15
    for address in [*ADDRESSES, FIFTH_ADDRESS]:
        sign_in(client, "wrong-password", address=address)
    clock.advance(15 * 60 + 1)

    sign_in(client, "wrong-password")  # the first failure of a new window: no wait after it

    assert sign_in(client, PASSWORD).status_code == 302


def test_the_same_username_written_otherwise_counts_for_the_same_account(client, staff, clock):
    fullwidth = "\uff53\uff54\uff41\uff46\uff46\uff45\uff52"  # NFKC makes it "staffer"
    for variant in ["Staffer", "STAFFER", "staffer ", fullwidth, "staffer"]:
        sign_in(client, "wrong-password", username=variant)

    assert "Too many attempts for this account" in sign_in(client, PASSWORD).content.decode()


def test_a_second_attempt_while_one_is_being_checked_is_refused_in_words(client, staff):
    cache.add(f"{sign_in_guard.account_key('staffer')}:busy", 1, 30)  # a check under way in another worker

    response = sign_in(client, PASSWORD)

    assert response.status_code == 200
    assert "Another sign-in to this account is being checked" in response.content.decode()


def test_no_username_or_address_is_in_any_cache_key(client, staff, clock, settings):
    for attempt in range(16):
        sign_in(client, "wrong-password", address=ADDRESSES[attempt % 4])
    sign_in(client, PASSWORD, address=FIFTH_ADDRESS)

    keys = [key.decode() for key in redis.Redis.from_url(settings.REDIS_URL).keys("*")]

    assert any("sign-in:" in key for key in keys)
    for key in keys:
        assert "staffer" not in key.casefold()
        for address in [*ADDRESSES, FIFTH_ADDRESS]:
            assert address not in key


def test_without_a_cache_staff_still_sign_in(client, staff):
    with override_settings(CACHES=caches_on("redis://127.0.0.1:1/0")):
        response = sign_in(client, PASSWORD)

    assert response.status_code == 302


# TOTP where personal data can be read


@pytest.fixture
def personal_data_policy(settings):
    settings.ADMIN_REQUIRE_OTP = "personal-data"


@pytest.fixture
def intake_lead(django_user_model):
    """Staff who can read the personal data of leads, without being superusers."""
    user = django_user_model.objects.create_user("intake", password=PASSWORD, is_staff=True)
    codenames = ["view_lead", "view_personal_data"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads", codename__in=codenames))
    return user


def test_staff_who_can_read_personal_data_need_a_code_as_well_as_the_password(
    client, intake_lead, personal_data_policy
):
    device = TOTPDevice.objects.create(user=intake_lead, name="phone", confirmed=True)

    password_only = sign_in(client, PASSWORD, username="intake")
    assert password_only.status_code == 200
    assert "This account needs an authentication code" in password_only.content.decode()
    assert not signed_in(client)

    assert sign_in(client, PASSWORD, username="intake", otp_token=code_of(device)).status_code == 302
    assert signed_in(client)


def test_a_session_not_verified_with_a_code_cannot_use_the_admin(client, intake_lead, personal_data_policy):
    client.force_login(intake_lead)  # e.g. a session from before the code was required

    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:leads_lead_changelist")).status_code == 302


def test_a_wrong_code_is_refused(client, intake_lead, personal_data_policy):
    device = TOTPDevice.objects.create(user=intake_lead, name="phone", confirmed=True)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = sign_in(client, PASSWORD, username="intake", otp_token=wrong)

    assert "That authentication code is not right" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize("kind", ["superuser", "user manager"])
def test_superusers_and_those_who_can_grant_themselves_the_permission_need_a_code_too(
    client, django_user_model, personal_data_policy, kind
):
    if kind == "superuser":
        django_user_model.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    else:
        user = django_user_model.objects.create_user("boss", password=PASSWORD, is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="auth", codename="change_user"))

    response = sign_in(client, PASSWORD, username="boss")

    assert "must sign in with an authentication code, and has no authenticator yet" in response.content.decode()
    assert not signed_in(client)


def test_editors_who_cannot_read_personal_data_sign_in_with_their_password(
    client, django_user_model, personal_data_policy
):
    editor = django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="content", codename="view_article"))

    assert sign_in(client, PASSWORD, username="editor").status_code == 302
    assert signed_in(client)


def test_the_sign_in_page_asks_for_the_code_only_when_a_policy_is_on(client, settings):
    settings.ADMIN_REQUIRE_OTP = "off"
    assert "Authentication code" not in client.get(reverse("admin:login")).content.decode()

    settings.ADMIN_REQUIRE_OTP = "personal-data"
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page
    assert "Authentication code" in page


def test_totp_enrol_creates_a_confirmed_device_whose_printed_uri_signs_in(client, intake_lead, personal_data_policy):
    out = StringIO()

    call_command("totp_enrol", "--username", "intake", "--name", "phone", stdout=out)

    device = TOTPDevice.objects.get(user=intake_lead)
    assert device.confirmed
    uri = next(line for line in out.getvalue().splitlines() if line.startswith("otpauth://totp/"))
    query = parse_qs(urlparse(uri).query)
    assert query["issuer"] == ["Core Recovery staff"]
    assert b32decode(query["secret"][0]) == device.bin_key
    assert sign_in(client, PASSWORD, username="intake", otp_token=code_of(device)).status_code == 302


def test_totp_enrol_replaces_lost_devices_on_request_and_refuses_unknown_users(intake_lead):
    call_command("totp_enrol", "--username", "intake", stdout=StringIO())
    call_command("totp_enrol", "--username", "intake", "--name", "new phone", "--replace", stdout=StringIO())

    assert list(TOTPDevice.objects.filter(user=intake_lead).values_list("name", flat=True)) == ["new phone"]
    with pytest.raises(CommandError, match="No user has that username"):
        call_command("totp_enrol", "--username", "nobody", stdout=StringIO())
