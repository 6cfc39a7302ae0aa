"""The center's staff roles: Django groups with exactly the permissions each needs (docs/roles.md).

`manage.py seed_roles` installs them (and puts them back as written here if someone changed them): a member of
staff gets a role by being put in its group in the admin, and needs "staff status" to sign in.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

INTAKE = [
    "leads.view_lead", "leads.change_lead", "leads.add_lead", "leads.view_personal_data",
    "leads.view_leadstatuschange", "leads.view_contactattempt", "leads.add_contactattempt",
    "partners.view_partner", "notifications.view_notification",
]  # fmt: skip
INTAKE_LEAD = [
    *INTAKE, "leads.reassign_lead", "leads.view_dashboard",
    # Who hears of leads, and who gets the daily digest, is theirs to keep right.
    "notifications.view_recipient", "notifications.change_recipient", "notifications.add_recipient",
    "notifications.view_staffgroup", "notifications.view_routingrule",
]  # fmt: skip
CLINICAL_DIRECTOR = [
    "leads.view_lead", "leads.view_personal_data", "leads.view_leadstatuschange", "leads.view_contactattempt",
    "partners.view_partner", "leads.view_dashboard", "notifications.view_notification", "notifications.view_recipient",
    "notifications.view_routingrule", "notifications.view_staffgroup",
]  # fmt: skip
PARTNER_LIAISON = ["leads.view_partner_referrals", "partners.view_partner"]
# Everything editors write; not the content outbox (events are the system's, never edited by hand). The
# clinical director reads all of it too.
CONTENT_APP = "content"
CONTENT_SYSTEM_MODELS = {"contentevent"}

ROLES: dict[str, list[str]] = {
    "Intake": INTAKE,
    "Intake lead": INTAKE_LEAD,
    "Clinical director": CLINICAL_DIRECTOR,
    "Partner liaison": PARTNER_LIAISON,
}
EDITOR = "Editor"


def _permissions(names: list[str]) -> list[Permission]:
    query = Q()
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:  # a renamed model or permission must not leave a role silently short
        raise LookupError(f"unknown permissions: {', '.join(sorted(missing))}")
    return found


def _content_permissions(*, read_only: bool) -> list[Permission]:
    permissions = Permission.objects.filter(content_type__app_label=CONTENT_APP).exclude(
        content_type__model__in=CONTENT_SYSTEM_MODELS
    )
    return list(permissions.filter(codename__startswith="view_") if read_only else permissions)


@transaction.atomic
def roles_install() -> dict[str, int]:
    """Create or reset every role's group to exactly its permissions; returns each role's permission count."""
    wanted = {name: _permissions(names) for name, names in ROLES.items()}
    wanted["Clinical director"] += _content_permissions(read_only=True)
    wanted[EDITOR] = _content_permissions(read_only=False)
    for name, permissions in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
    return {name: len(permissions) for name, permissions in wanted.items()}
