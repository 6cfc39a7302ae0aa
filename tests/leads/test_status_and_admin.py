"""Status changes (closed loop) and the staff's admin: permissions, access log, history."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads import services
from leads.exceptions import InvalidStatusTransition
from leads.models import Lead, LeadAccessLog, LeadEvent, LeadStatusChange
from tests.leads.conftest import lead_body

# The admin lead page answered 500 on SQLite (`make run`) once: these run on the embedded default too.
pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def lead(api_client, programs) -> Lead:
    body = lead_body(first_name="Rowan", message="Please call after work.")
    return Lead.objects.get(reference=api_client.post("/api/v1/leads/", body, format="json").json()["reference"])


def test_the_status_follows_the_allowed_flow_with_history_and_events(lead, django_user_model):
    staff = django_user_model.objects.create_user("admissions", password="x" * 12, is_staff=True)

    services.lead_change_status(lead=lead, to_status="contacted", changed_by=staff)
    services.lead_change_status(lead=lead, to_status="assessment_scheduled", changed_by=staff)
    services.lead_change_status(lead=lead, to_status="admitted", changed_by=staff)

    steps = list(LeadStatusChange.objects.filter(lead=lead).values_list("from_status", "to_status", "changed_by"))
    assert steps == [
        ("", "received", None), ("received", "contacted", staff.id),
        ("contacted", "assessment_scheduled", staff.id), ("assessment_scheduled", "admitted", staff.id),
    ]  # fmt: skip
    kinds = list(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds == ["lead.created", "lead.status_changed", "lead.status_changed", "lead.status_changed"]


@pytest.mark.parametrize(
    ("path", "target", "reason"),
    [((), "admitted", ""), ((), "received", ""), ((), "not_admitted", ""), (("contacted", "assessment_scheduled",
      "admitted"), "contacted", "")],
)  # fmt: skip
def test_transitions_outside_the_flow_are_refused(lead, path, target, reason):
    for status in path:
        services.lead_change_status(lead=lead, to_status=status)

    with pytest.raises(InvalidStatusTransition):
        services.lead_change_status(lead=lead, to_status=target, reason_category=reason)


def _staff_client(client, django_user_model, *, personal: bool):
    user = django_user_model.objects.create_user("staff", password="x" * 12, is_staff=True)
    codenames = ["view_lead", "change_lead"] + (["view_personal_data"] if personal else [])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads", codename__in=codenames))
    client.force_login(user)
    return client, user


def test_staff_with_permission_see_the_personal_data_and_the_view_is_logged(client, django_user_model, lead):
    client, user = _staff_client(client, django_user_model, personal=True)

    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()

    assert "Rowan" in page
    assert "+16025550142" in page
    assert LeadAccessLog.objects.filter(lead=lead, user=user).count() == 1


def test_staff_without_permission_do_not_see_personal_data(client, django_user_model, lead):
    client, _ = _staff_client(client, django_user_model, personal=False)

    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()

    assert "Rowan" not in page
    assert "Hidden" in page
    assert not LeadAccessLog.objects.exists()


def test_the_leads_list_shows_no_personal_data(client, django_user_model, lead):
    client, _ = _staff_client(client, django_user_model, personal=True)

    page = client.get(reverse("admin:leads_lead_changelist")).content.decode()

    assert lead.reference in page
    assert "Rowan" not in page


def test_staff_change_the_status_with_a_note_from_the_admin(client, django_user_model, lead):
    client, user = _staff_client(client, django_user_model, personal=False)
    url = reverse("admin:leads_lead_status", args=[lead.pk])

    refused = client.post(url, {"to_status": "admitted", "reason_category": "", "note": ""})
    done = client.post(url, {"to_status": "contacted", "reason_category": "", "note": "Spoke to Rowan"})

    assert refused.status_code == 200
    assert "cannot become admitted" in refused.content.decode()
    assert done.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "contacted"
    change = LeadStatusChange.objects.get(to_status="contacted")
    assert change.changed_by == user
    assert "Rowan" not in change.sealed_note


def test_staff_acknowledge_from_the_admin_and_see_the_time_it_took(client, django_user_model, lead):
    client, user = _staff_client(client, django_user_model, personal=False)

    client.post(reverse("admin:leads_lead_changelist"), {"action": "acknowledge", "_selected_action": [lead.pk]})

    lead.refresh_from_db()
    assert lead.acknowledged_by == user
    assert lead.acknowledged_at is not None
    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    assert "0 min" in page
