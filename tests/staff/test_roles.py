"""Roles (accounts.roles, `manage.py seed_roles`) against staff pages: each role is allowed or refused (403) on every
page, never a 500; and the roles guide lists exactly the permissions each role has."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from partners.models import Partner
from tests.staff.conftest import ROLE_NAMES, send_referral, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

OK, BACK = 200, 302  # a page shown; an action done (or refused in words) and back to the lead's page
ROLES_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "roles.md"

# page:           Intake  Intake lead  Clinical director  Partner liaison  Editor
MATRIX = {
    "inbox":         (OK,   OK,   OK,   OK,   403),
    "lead":          (OK,   OK,   OK,   OK,   403),
    "new-lead":      (OK,   OK,   403,  403,  403),
    "lead-take":     (BACK, BACK, 403,  403,  403),
    "lead-status":   (BACK, BACK, 403,  403,  403),
    "lead-attempt":  (BACK, BACK, 403,  403,  403),
    "lead-reassign": (403,  BACK, 403,  403,  403),
    "dashboard":     (403,  OK,   OK,   403,  403),
    "dashboard-csv": (403,  OK,   OK,   403,  403),
    "admin-lead":    (OK,   OK,   OK,   403,  403),
    "admin-article": (403,  403,  OK,   403,  OK),
}  # fmt: skip
POSTS = {
    "lead-take": {},
    "lead-status": {"to_status": "contacted", "expected_status": "received"},
    "lead-attempt": {"channel": "call", "outcome": "no_answer"},
    "lead-reassign": {"to": "{me}", "expected_assignee": ""},
}


def _url(name: str, lead) -> str:
    if name == "admin-lead":
        return reverse("admin:leads_lead_change", args=[lead.pk])
    if name == "admin-article":
        return reverse("admin:content_article_changelist")
    if name == "dashboard-csv":
        return reverse("staff:dashboard-csv") + "?table=funnel"
    if name in ("inbox", "new-lead", "dashboard"):
        return reverse(f"staff:{name}")
    return reverse(f"staff:{name}", args=[lead.reference])


@pytest.mark.parametrize("page_name", MATRIX)
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_role_on_every_page(client, roles, programs, django_user_model, role, page_name):
    partner = Partner.objects.create(name="Hospital", slug="hospital")
    user = user_with_role(django_user_model, role)
    partner.liaison_staff.add(user)  # the liaison's partner (it gives nothing to the other roles)
    lead = send_referral(partner)
    client.force_login(user)
    url = _url(page_name, lead)

    if page_name in POSTS:
        data = {name: str(value).replace("{me}", str(user.pk)) for name, value in POSTS[page_name].items()}
        response = client.post(url, data)
    else:
        response = client.get(url)

    expected = MATRIX[page_name][ROLE_NAMES.index(role)]
    assert response.status_code == expected, f"{role} on {page_name}"
    if expected == BACK:
        assert response["Location"] == reverse("staff:lead", args=[lead.reference])
    if expected == 403 and page_name not in ("admin-lead", "admin-article"):
        assert "This page is not part of your role" in response.content.decode()


def test_seed_roles_is_idempotent_and_puts_a_changed_role_back(roles):
    intake = Group.objects.get(name="Intake")
    before = set(intake.permissions.values_list("codename", flat=True))
    intake.permissions.add(Permission.objects.get(codename="reassign_lead"))

    call_command("seed_roles", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_roles", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert set(intake.permissions.values_list("codename", flat=True)) == before
    assert Group.objects.filter(name__in=ROLE_NAMES).count() == len(ROLE_NAMES)


def test_the_roles_guide_lists_each_roles_permissions(roles):
    guide = ROLES_GUIDE.read_text(encoding="utf-8")
    for group in Group.objects.filter(name__in=ROLE_NAMES).exclude(name="Editor"):
        section = guide.split(f"## {group.name}\n")[1].split("\n## ")[0]
        if section.lstrip().startswith("Everything Intake has"):
            section += guide.split("## Intake\n")[1].split("\n## ")[0]
        # The content app's permissions are described in words ("every view_ permission of the content app").
        for permission in group.permissions.select_related("content_type").exclude(content_type__app_label="content"):
            assert f"`{permission.content_type.app_label}.{permission.codename}`" in section, (group.name, permission)
