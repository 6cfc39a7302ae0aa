"""Acknowledge links (signed, expiring, single use) and the escalation they stop."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadEvent
from notifications import services, tokens
from notifications.models import Notification
from tests.notifications.conftest import make_event, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("oncall", password="x" * 12, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["change_lead", "view_lead"]))
    client.force_login(user)
    return client, user


@pytest.fixture
def notification(routing) -> Notification:
    event = make_event(make_lead())
    return Notification.objects.create(event=event, recipient=routing["admissions"], channel="email")


def ack_url(token: str) -> str:
    return reverse("v1:lead-ack", args=[token])


def test_the_link_takes_the_lead_on_and_opens_its_staff_page(staff_client, notification):
    client, user = staff_client

    response = client.get(ack_url(tokens.make_token(notification.pk)))

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:lead", args=[lead.reference])
    assert lead.acknowledged_by == user
    assert lead.acknowledged_at is not None
    assert lead.assigned_to == user  # taking a lead on gives it to you when nobody has it


@pytest.mark.embedded
def test_a_used_link_opens_the_lead_and_changes_nothing(staff_client, notification, django_user_model):
    client, user = staff_client
    token = tokens.make_token(notification.pk)
    client.get(ack_url(token))
    first = Lead.objects.get()
    colleague = django_user_model.objects.create_user("colleague", password="x" * 12, is_staff=True)
    colleague.user_permissions.set(user.user_permissions.all())
    client.force_login(colleague)

    again = client.get(ack_url(token), follow=True)

    lead = Lead.objects.get()
    assert again.status_code == 200
    assert again.redirect_chain[-1][0] == reverse("staff:lead", args=[lead.reference])
    assert (lead.acknowledged_by, lead.acknowledged_at, lead.assigned_to) == (user, first.acknowledged_at, user)
    page = again.content.decode()
    assert "This link was used before" in page
    assert f"by {user.username} at" in page  # who took it on, and when


def test_an_expired_link_is_refused(staff_client, notification, settings):
    client, _ = staff_client
    settings.ACK_TOKEN_MAX_AGE_HOURS = 1
    token = tokens.make_token(notification.pk, issued_at=time.time() - 3601)

    response = client.get(ack_url(token))

    assert response.status_code == 410
    assert Lead.objects.get().acknowledged_at is None


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "1" + t, lambda t: "x"]
)
def test_a_tampered_link_is_refused(staff_client, notification, mangle):
    client, _ = staff_client

    response = client.get(ack_url(mangle(tokens.make_token(notification.pk))))

    assert response.status_code == 404
    assert Lead.objects.get().acknowledged_at is None


def test_anonymous_visitors_are_sent_to_sign_in_first(client, notification):
    token = tokens.make_token(notification.pk)

    response = client.get(ack_url(token))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Lead.objects.get().acknowledged_at is None


def test_the_token_is_short_enough_for_an_sms():
    assert len(tokens.make_token(10**9)) <= 26


def _escalations() -> list[int]:
    return list(LeadEvent.objects.filter(kind="lead.escalated").values_list("payload__escalation_level", flat=True))


def test_an_unacknowledged_lead_escalates_level_by_level_up_to_the_cap(routing, settings):
    settings.ESCALATE_AFTER_MINUTES, settings.ESCALATION_MAX_LEVEL = 15, 2
    lead = make_lead()
    start = lead.received_at

    services.sweep(now=start + timedelta(minutes=14))
    assert _escalations() == []
    services.sweep(now=start + timedelta(minutes=15))
    services.sweep(now=start + timedelta(minutes=16))  # not yet the next step
    assert _escalations() == [1]
    services.sweep(now=start + timedelta(minutes=30))
    services.sweep(now=start + timedelta(minutes=120))
    assert _escalations() == [1, 2]  # the cap
    lead.refresh_from_db()
    assert lead.escalation_level == 2


def test_urgent_leads_escalate_sooner(routing, settings):
    settings.ESCALATE_URGENT_AFTER_MINUTES = 5
    lead = make_lead(urgency="urgent")

    services.sweep(now=lead.received_at + timedelta(minutes=5))

    assert _escalations() == [1]


def test_acknowledging_stops_escalation(routing, staff_client, notification):
    client, _ = staff_client
    client.get(ack_url(tokens.make_token(notification.pk)))
    lead = Lead.objects.get()

    services.sweep(now=lead.received_at + timedelta(hours=5))

    assert _escalations() == []


def test_a_status_change_also_stops_escalation(routing):
    from leads.services import lead_change_status

    lead = make_lead()
    lead_change_status(lead=lead, to_status="contacted")

    services.sweep(now=lead.received_at + timedelta(hours=5))

    assert _escalations() == []


def test_the_sweeper_finds_unrouted_events_and_stale_pending_notifications(routing, settings):
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 60
    fresh_event, old_event = make_event(make_lead()), make_event(make_lead())
    LeadEvent.objects.filter(pk=old_event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    fresh = Notification.objects.create(event=fresh_event, recipient=routing["admissions"], channel="email")
    old = Notification.objects.create(event=old_event, recipient=routing["admissions"], channel="email")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    result = services.sweep()

    assert result.events == [old_event.pk]
    assert result.notifications == [old.pk]
    assert fresh.pk not in result.notifications


def test_a_new_secret_key_signs_staff_out_and_refuses_links_sent_before(staff_client, notification, settings):
    client, user = staff_client
    token = tokens.make_token(notification.pk)

    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    signed_out = client.get(ack_url(token))
    client.force_login(user)
    response = client.get(ack_url(token))

    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("admin:login"))
    assert response.status_code == 404  # as docs/security.md says: staff open the lead from the admin
    assert Lead.objects.get().acknowledged_at is None
