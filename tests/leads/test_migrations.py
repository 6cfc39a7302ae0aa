"""Data migrations of leads, run for real on rows written under the schema they start from.

The test database is built from the models (`--no-migrations`); here the migration history is recorded as
applied, the leads app is taken back to the migration before the change, rows are written with the
historical model, and the change runs forward (and back) as `manage.py migrate` would run it in production.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from leads.crypto import seal, unseal
from leads.models import Lead

BEFORE = ("leads", "0001_initial")


def _migrate_leads(*, to_latest: bool) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    target = executor.loader.graph.leaf_nodes("leads") if to_latest else [BEFORE]
    executor.migrate(target)
    return executor


def _lead_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, "leads_lead")}


def test_best_times_move_into_the_seal_urls_are_reduced_and_spam_is_emptied(migrations):
    executor = _migrate_leads(to_latest=False)
    assert "best_time_to_contact" in _lead_columns()
    OldLead = executor.loader.project_state([BEFORE]).apps.get_model("leads", "Lead")
    OldLead.objects.create(
        reference="L-AAAAA1", kind="self", sealed=seal({"first_name": "Ada"}),
        best_time_to_contact="Evenings, ask for Ines",
        landing_page="https://www.example.org/programs/iop/?email=ada%40example.org&utm_source=s#form",
        referrer_url="https://ada:pw@search.example/?q=ada+lovelace",
    )  # fmt: skip
    OldLead.objects.create(
        reference="L-AAAAA2", kind="self", is_spam=True, state="NV", out_of_state=True, age_range="26_35",
        preferred_contact="sms", best_time_to_contact="Ring Bartholomew", program_interest="iop",
        consent_contact=True, utm_source="spamnet", landing_page="/x?email=spam%40example.org",
    )  # fmt: skip
    OldLead.objects.create(reference="L-AAAAA3", kind="self", anonymised_at=timezone.now())

    _migrate_leads(to_latest=True)

    assert "best_time_to_contact" not in _lead_columns()
    lead = Lead.objects.get(reference="L-AAAAA1")
    assert unseal(lead.sealed) == {"first_name": "Ada", "best_time_to_contact": "Evenings, ask for Ines"}
    assert lead.landing_page == "https://www.example.org/programs/iop/?utm_source=s"
    assert lead.referrer_url == "https://search.example/"
    spam = Lead.objects.filter(reference="L-AAAAA2").values().get()
    assert spam["state"] == "AZ"
    assert not spam["out_of_state"]
    assert not spam["consent_contact"]
    assert {spam[name] for name in ("age_range", "preferred_contact", "program_interest", "utm_source",
                                    "landing_page", "sealed")} == {""}  # fmt: skip
    assert Lead.objects.get(reference="L-AAAAA3").sealed == ""

    # Backwards, the best time goes back to its column and out of the seal.
    executor = _migrate_leads(to_latest=False)
    OldLead = executor.loader.project_state([BEFORE]).apps.get_model("leads", "Lead")
    restored = OldLead.objects.get(reference="L-AAAAA1")
    assert restored.best_time_to_contact == "Evenings, ask for Ines"
    assert unseal(restored.sealed) == {"first_name": "Ada"}
