"""Personal data at rest only in the sealed column (security review, finding 5): best time to contact sealed,
attribution URLs reduced, spam kept without anything a bot sent, and a real database dump that holds none of it."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from leads import services
from leads.crypto import unseal
from leads.models import Lead
from notifications.routing_defaults import routing_install
from tests.leads.conftest import lead_body, referral_body, staff_client

URL = "/api/v1/leads/"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("https://www.example.org/programs/iop/?email=jo%40example.org&utm_source=x&utm_campaign=spring#top",
         "https://www.example.org/programs/iop/?utm_source=x&utm_campaign=spring"),
        ("https://jo:secret@www.example.org:8443/a/b", "https://www.example.org:8443/a/b"),
        ("http://www.example.org", "http://www.example.org"),
        ("https://search.example/?q=help+for+jordan+synthetic", "https://search.example/"),
        ("https://www.example.org/?UTM_Source=x&name=Jordan", "https://www.example.org/?UTM_Source=x"),
        ("/programs/iop/?email=jo@example.org&utm_medium=cpc#form", "/programs/iop/?utm_medium=cpc"),
        ("programs/iop?phone=6025550142", "programs/iop"),
        ("//cdn.example.org/landing?token=abc", "//cdn.example.org/landing"),
        ("mailto:jo@example.org?subject=help", ""),
        ("tel:+16025550142", ""),
        ("javascript:alert(1)", ""),
        ("android-app://com.google.android.gm/", "android-app://com.google.android.gm"),
        ("https://[::1/", ""),
        ("", ""),
    ],
)  # fmt: skip
def test_attribution_urls_keep_scheme_host_path_and_utm_parameters_only(sent, stored):
    assert services.attribution_url_reduce(url=sent) == stored


@pytest.mark.django_db
def test_a_contact_request_stores_the_reduced_urls_and_seals_the_best_time(api_client, programs):
    body = lead_body(
        best_time_to_contact="Call Maria after 6 at 602-555-0174",
        landing_page="https://www.example.org/programs/iop/?email=jo%40example.org&utm_source=x#form",
        referrer_url="https://jo:pw@search.example/search?q=jordan+synthetic+anxiety&utm_medium=cpc",
        utm_source="x",
    )

    reference = api_client.post(URL, body, format="json").json()["reference"]

    lead = Lead.objects.get(reference=reference)
    assert lead.landing_page == "https://www.example.org/programs/iop/?utm_source=x"
    assert lead.referrer_url == "https://search.example/search?utm_medium=cpc"
    assert lead.utm_source == "x"
    assert unseal(lead.sealed)["best_time_to_contact"] == "Call Maria after 6 at 602-555-0174"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM leads_lead")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "Maria" not in raw
    assert "555-0174" not in raw


@pytest.mark.django_db
def test_spam_keeps_nothing_of_what_was_sent(api_client, programs):
    body = lead_body(
        website="http://spam.example", state="NV", age_range="26_35", preferred_contact="sms",
        best_time_to_contact="Ring Bartholomew", program_interest="iop", utm_source="spamnet", utm_term="help",
        landing_page="/programs/iop/?email=spam%40example.org", referrer_url="https://spam.example/",
        consent={"contact": True, "sms": True, "sms_disclosure_version": "2026-01"},
    )  # fmt: skip

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 201
    kept = Lead.objects.filter(reference=response.json()["reference"]).values().get()
    sent_nothing = {
        "is_spam": True, "kind": "self", "partner_id": None, "state": "AZ", "out_of_state": False, "age_range": "",
        "preferred_contact": "", "program_interest": "", "urgency": "routine", "triage_flags": [],
        "consent_contact": False, "consent_sms": False, "sms_disclosure_version": "", "utm_source": "",
        "utm_medium": "", "utm_campaign": "", "utm_term": "", "utm_content": "", "landing_page": "",
        "referrer_url": "", "sealed": "", "phone_hash": "", "email_hash": "", "repeat_of_id": None,
    }  # fmt: skip
    assert {name: kept[name] for name in sent_nothing} == sent_nothing


# --- The staff's admin: the best time only in the personal block; filters about the person only with permission


@pytest.mark.django_db
def test_the_best_time_shows_only_in_the_personal_block_and_its_view_is_logged(
    api_client, client, django_user_model, programs
):
    body = lead_body(best_time_to_contact="After choir practice on Thursdays")
    lead = Lead.objects.get(reference=api_client.post(URL, body, format="json").json()["reference"])
    page_url = reverse("admin:leads_lead_change", args=[lead.pk])

    hidden = staff_client(client, django_user_model, personal=False).get(page_url).content.decode()
    assert "choir practice" not in hidden
    assert not lead.access_log.exists()

    shown = staff_client(client, django_user_model, personal=True, username="privy").get(page_url).content.decode()
    assert "After choir practice on Thursdays" in shown
    assert lead.access_log.count() == 1


# --- What a database dump holds ----------------------------------------------------------------------------

PERSON = {
    "first_name": "Quintessa", "last_name": "Vandermolen", "phone": "(602) 555-0187",
    "email": "Quintessa.Vandermolen@Example.org", "preferred_contact": "sms", "relationship": "family_or_friend",
    "best_time_to_contact": "Call Mariabelle after 6 at 602-555-0174", "program_interest": "iop",
    "message": "My brother talks about the marigold zeppelin and wants to die.", "state": "UT",
    "insurance_provider": "Bluewhistle Mutual", "date_of_birth": "1979-08-14",
    "consent": {"contact": True, "sms": True, "sms_disclosure_version": "2026-01"},
    "utm_source": "x", "utm_campaign": "spring",
    "landing_page": "https://www.example.org/programs/iop/?email=leak.landing%40example.org&utm_source=x#Quintessa",
    "referrer_url": "https://visitor:hunter2secret@search.example/?q=quintessa+vandermolen"
                    "&email=leak.referrer@example.org&utm_source=x",
}  # fmt: skip
REFERRAL = {
    "first_name": "Octavian", "last_name": "Pemberton-Shaw", "phone": "480-555-0163",
    "email": "octavian.ps@example.org", "best_time_to_contact": "Mornings, ask for Ottoline",
    "date_of_birth": "1988-11-30", "insurance_provider": "Cactusbloom Health Plan", "state": "AZ",
    "referrer": {"name": "Dr. Ignatius Fairweather", "role": "Psychiatrist", "organization": "Quarrystone Clinic",
                 "phone": "480-555-0135", "email": "ignatius.fairweather@clinic.example"},
    "reason_for_referral": "Step-down after a lapis overdose episode.",
    "current_level_of_care": "Quarrystone inpatient",
}  # fmt: skip
SPAM = {
    "first_name": "Spamuel", "last_name": "Botsworth", "phone": "602-555-0156", "email": "spamuel@example.org",
    "best_time_to_contact": "Ring Bartholomew", "message": "Cheap saxifrage pills", "state": "NV",
    "landing_page": "/programs/iop/?email=spam.leak%40example.org&utm_source=x", "website": "http://spam.example",
}  # fmt: skip
STATUS_NOTE = "Spoke with Quintessa's sister Philippa; callback Tuesday."

# Every value sent above that names or describes a person, in each form it may take once normalised.
SUBMITTED = [
    "Quintessa", "Vandermolen", "6025550187", "602-555-0187", "555-0187", "(602) 555-0187", "+16025550187",
    "leak.landing", "leak.referrer", "hunter2secret", "Mariabelle", "602-555-0174", "6025550174", "marigold",
    "zeppelin", "Bluewhistle", "1979-08-14", "Octavian", "Pemberton", "4805550163", "480-555-0163", "octavian.ps",
    "Ottoline", "1988-11-30", "Cactusbloom", "Ignatius", "Fairweather", "4805550135", "480-555-0135",
    "clinic.example", "Quarrystone", "lapis", "Philippa", "callback Tuesday", "Spamuel", "Botsworth",
    "6025550156", "602-555-0156", "Bartholomew", "saxifrage", "spam.leak",
]  # fmt: skip


def _pg_dump() -> str:
    """pg_dump of the server's major version (an older one refuses a newer server)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    matching = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    if matching.exists():
        return str(matching)
    found = shutil.which("pg_dump")
    if found is None:
        pytest.skip(f"no pg_dump for PostgreSQL {major} on this machine")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout
    found_major = re.search(r"(\d+)\.", version)
    if found_major is None or int(found_major.group(1)) < major:
        pytest.skip(f"pg_dump is older than the server ({version.strip()} < {major})")
    return found


def _database_dump() -> str:
    """Everything the database holds, as the text of a data-only dump (what a backup or a leaked copy holds)."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    command = [_pg_dump(), "--data-only", "--no-owner", "--dbname", settings["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [option, str(settings[key])]
    environment = {"PGPASSWORD": settings["PASSWORD"]} if settings.get("PASSWORD") else {}
    dumped = subprocess.run(command, capture_output=True, text=True, check=True, env={**_path_env(), **environment})
    return dumped.stdout


def _path_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name in {"PATH", "HOME", "LANG", "PGSSLMODE"}}


def test_a_database_dump_holds_none_of_the_personal_data_sent(
    transactional_db, api_client, client, django_user_model, programs, partner_a
):
    routing_install(demo_staff=True)  # staff messages and their delivery rows are in the dump too
    contact = api_client.post(URL, {**PERSON}, format="json", HTTP_IDEMPOTENCY_KEY="dump-contact")
    referral = api_client.post("/api/v1/referrals/", referral_body(**REFERRAL), format="json",
                               HTTP_IDEMPOTENCY_KEY="dump-referral", **partner_a.header)  # fmt: skip
    spam = api_client.post(URL, lead_body(**SPAM), format="json")
    assert (contact.status_code, referral.status_code, spam.status_code) == (201, 201, 201), contact.content
    lead = Lead.objects.get(reference=contact.json()["reference"])
    privy = staff_client(client, django_user_model, personal=True)
    page = privy.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    assert "Mariabelle" in page  # sealed, not lost: staff with the permission read it
    changed = privy.post(reverse("admin:leads_lead_status", args=[lead.pk]),
                         {"to_status": "contacted", "reason_category": "", "note": STATUS_NOTE})  # fmt: skip
    assert changed.status_code == 302

    dump = _database_dump()

    assert f"{lead.reference}" in dump  # the dump is of the database the requests wrote to
    found = [value for value in SUBMITTED if value.lower() in dump.lower()]
    assert found == []
