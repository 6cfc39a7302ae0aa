"""The move of Partner (from leads) and ClientAPIKey (from api) into partners/, run as production would run it.

Rows and keys written under the old schema must work unchanged after the move: the same tables, the same key
hashes, the same permissions given to groups (content types are renamed, not recreated).
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient
from rest_framework_api_key.crypto import KeyGenerator

from partners.models import ClientAPIKey, Partner

BEFORE = [("partners", None)]  # partners/ unapplied: leads.Partner and api.ClientAPIKey are the models


def _migrate(*, to_latest: bool) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes() if to_latest else BEFORE)
    return executor


def test_a_key_issued_before_the_move_authenticates_after_it_and_permissions_stay(migrations):
    executor = _migrate(to_latest=False)
    old_apps = executor.loader.project_state([("leads", "0005_dashboard_indexes"), ("api", "0001_initial")]).apps
    OldPartner = old_apps.get_model("leads", "Partner")
    OldKey = old_apps.get_model("api", "ClientAPIKey")
    partner = OldPartner.objects.create(name="Mesa Practice", slug="mesa-practice", kind="clinician")
    secret, prefix, hashed = KeyGenerator().generate()
    OldKey.objects.create(id=f"{prefix}.{hashed}", prefix=prefix, hashed_key=hashed, name="Mesa",
                          partner=partner, scopes=["referrals:write", "referrals:read"])  # fmt: skip
    old_type = ContentType.objects.get(app_label="leads", model="partner")
    liaisons = Group.objects.create(name="Liaisons")
    liaisons.permissions.add(Permission.objects.get(content_type=old_type, codename="view_partner"))
    ContentType.objects.clear_cache()

    _migrate(to_latest=True)
    ContentType.objects.clear_cache()

    key = ClientAPIKey.objects.get(prefix=prefix)
    assert key.partner == Partner.objects.get(name="Mesa Practice")
    assert key.is_valid(secret)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/referrals/").status_code == 200
    moved = Permission.objects.get(codename="view_partner")
    assert (moved.content_type.app_label, moved.content_type_id) == ("partners", old_type.pk)
    assert list(liaisons.permissions.all()) == [moved]
    assert not ContentType.objects.filter(app_label__in=["leads", "api"], model__in=["partner", "clientapikey"])
