"""`/hsds/`: the center in Open Referral HSDS 3.1, validated object by object against the pinned schemas, with
stable ids, the reference's filters and paging, availability as capacity, caching, throttling and problems."""

import shutil
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content import services
from content.models import (
    InsurancePlan,
    NetworkStatus,
    Program,
    ProgramAvailability,
    ProgramInsurance,
    SiteProfile,
    Therapy,
)
from content.seeding import seed_content
from tests.api.hsds_validation import STANDARD_DIR, _standard_dir, errors_of, shared_standard_dir
from tests.factories import ProgramFactory, TherapyFactory

pytestmark = pytest.mark.django_db

LISTS = {
    "/hsds/services": ("service.json", "compiled/service_list.json"),
    "/hsds/service_at_locations": ("service_at_location.json", "compiled/service_at_location_list.json"),
    "/hsds/organizations": ("organization.json", "compiled/organization_list.json"),
    "/hsds/taxonomies": ("taxonomy.json",),
    "/hsds/taxonomy_terms": ("taxonomy_term.json",),
}
# The variants of each list the reference defines.
VARIANTS = {
    "/hsds/services": ["", "?full=true", "?minimal=true"],
    "/hsds/service_at_locations": ["", "?full=true"],
    "/hsds/organizations": ["", "?full=true", "?full_service=true"],
    "/hsds/taxonomies": [""],
    "/hsds/taxonomy_terms": [""],
}


def _get(client, path: str, **headers) -> dict:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.content)
    return response.json()


def _fuller_center() -> dict[str, Any]:
    """A synthetic center: an address and hours, three programs with schedules, eligibility, therapies,
    insurance (one plan not accepted by one program, self-pay) and availability fresh, on a waitlist and stale."""
    fields: dict[str, Any] = {
        "id": 1,
        "name": "Synthetic Center",
        "licence_statement": "Licensed by the state (synthetic)",
        "phone": "+15550100000",
        "phone_display": "555-010-0000",
        "email": "intake@example.org",
        "street_address": "1 Example Way",
        "city": "Phoenix",
        "region": "AZ",
        "postal_code": "85000",
        "hours": [{"days": ["Mo", "Tu", "We", "Th", "Fr"], "opens": "08:00", "closes": "17:00"}],
        "seo_description": "A synthetic outpatient center.",
        "seo_description_es": "Un centro ambulatorio sintético.",
    }
    services.site_profile_save(profile=SiteProfile(**fields))
    cbt = TherapyFactory(slug="cbt", name="Cognitive therapy", name_es="Terapia cognitiva", abbreviation="CBT")
    dbt = TherapyFactory(slug="dbt", name="Dialectical therapy", abbreviation="DBT")
    programs: dict[str, Any] = {
        "iop": ProgramFactory(
            slug="iop",
            name="Intensive Program",
            name_es="Programa intensivo",
            days_per_week=3,
            hours_per_day=3,
            minimum_age=18,
            maximum_age=64,
            languages=["en", "es"],
            service_area_counties=["Maricopa", "Pinal"],
            delivery_methods=["in_person", "telehealth"],
            required_documents=["Photo ID", "Insurance card"],
            required_documents_es=["Identificación", "Tarjeta del seguro"],
            fees_description="Sliding scale for self-pay.",
            fees_description_es="Escala móvil.",
            conditions_addressed=["Anxiety", "Depression"],
            who_it_is_for="Adults who need more than weekly therapy.",
        ),
        "php": ProgramFactory(
            slug="php", level_of_care=Program.LevelOfCare.PARTIAL_HOSPITALIZATION, days_per_week=5, languages=["en"]
        ),
        "op": ProgramFactory(slug="op", level_of_care=Program.LevelOfCare.OUTPATIENT, hours_per_day=1),
    }
    programs["iop"].therapies.set([cbt, dbt])
    programs["php"].therapies.set([dbt])
    medicare = services.insurance_plan_save(
        plan=InsurancePlan(payer="Medicare", slug="medicare", kind=InsurancePlan.Kind.MEDICARE)
    )
    services.insurance_plan_save(
        plan=InsurancePlan(
            payer="Example Health",
            plan="PPO",
            slug="example-ppo",
            kind=InsurancePlan.Kind.COMMERCIAL,
            network_status=NetworkStatus.OUT_OF_NETWORK,
            notes="Prior authorization required.",
        )
    )
    services.insurance_plan_save(
        plan=InsurancePlan(payer="Self-pay", slug="self-pay", kind=InsurancePlan.Kind.SELF_PAY, notes="Ask us.")
    )
    services.program_insurance_save(
        exception=ProgramInsurance(program=programs["op"], plan=medicare, network_status=NetworkStatus.NOT_ACCEPTED)
    )
    services.program_availability_update(
        program=programs["iop"], accepting="yes", openings=4, next_intake_date=date(2026, 12, 7), typical_wait_days=3,
        updated_by=None,
    )  # fmt: skip
    services.program_availability_update(program=programs["php"], accepting="waitlist", updated_by=None)
    services.program_availability_update(program=programs["op"], accepting="yes", openings=2, updated_by=None)
    ProgramAvailability.objects.filter(program=programs["op"]).update(updated_at=timezone.now() - timedelta(days=20))
    ProgramFactory(slug="draft", status="draft", publish_at=None)
    cache.clear()
    return programs


def _every_object(client, *, lang: str) -> list[tuple[str, str, dict]]:
    """(path, schema, object) for every object of every endpoint: each list's variants and each item."""
    found: list[tuple[str, str, dict]] = []
    suffix = f"lang={lang}"
    root = _get(client, f"/hsds/?{suffix}")
    assert set(root) == {"version", "profile", "openapi_url"}
    for path, schemas in LISTS.items():
        for variant in VARIANTS[path]:
            url = f"{path}{variant}{'&' if variant else '?'}{suffix}"
            body = _get(client, url)
            found.append((url, "Page", body))
            for item in body["contents"]:
                found += [(url, schema, item) for schema in schemas if variant == "" or "compiled" not in schema]
            if variant:
                continue
            for item in body["contents"]:
                detail = f"{path}/{item['id']}?{suffix}"
                found.append((detail, schemas[0], _get(client, detail)))
    return found


def _assert_all_valid(client) -> int:
    checked = 0
    for lang in ("en", "es"):
        for path, schema, instance in _every_object(client, lang=lang):
            assert errors_of(instance, schema) == [], path
            checked += 1
    return checked


def test_every_object_of_every_endpoint_validates_for_the_seeded_content(api_client):
    seed_content()

    checked = _assert_all_valid(api_client)

    services_page = _get(api_client, "/hsds/services?full=true")
    assert services_page["total_items"] == Program.objects.live().count() == 2
    assert all(service["capacities"] == [] for service in services_page["contents"])  # availability unknown
    assert checked > 40


def test_every_object_of_every_endpoint_validates_for_a_fuller_center(api_client):
    _fuller_center()

    _assert_all_valid(api_client)

    services_page = _get(api_client, "/hsds/services?full=true")
    by_name = {service["name"]: service for service in services_page["contents"]}
    iop = by_name["Intensive Program"]
    assert iop["minimum_age"] == 18
    assert iop["maximum_age"] == 64
    assert [language["code"] for language in iop["languages"]] == ["en", "es"]
    assert iop["service_areas"][0]["name"] == "Maricopa County, Pinal County, Arizona"
    assert [document["document"] for document in iop["required_documents"]] == ["Photo ID", "Insurance card"]
    assert iop["phones"][0]["number"] == "555-010-0000"
    assert iop["schedules"][0]["freq"] == "WEEKLY"
    assert iop["licenses"] == "Licensed by the state (synthetic)"
    assert iop["capacities"][0]["available"] == 4
    assert iop["capacities"][0]["unit"]["name"] == "openings"
    assert {attribute["taxonomy_term"]["name"] for attribute in iop["attributes"]} >= {
        "Cognitive therapy",
        "Dialectical therapy",
        "Medicare",
        "Example Health PPO",
    }
    assert [option["option"] for option in iop["cost_options"]] == ["Self-pay"]
    location = iop["service_at_locations"][0]["location"]
    assert location["addresses"][0]["address_1"] == "1 Example Way"
    assert location["schedules"][0]["byday"] == "MO,TU,WE,TH,FR"
    waitlisted = next(service for service in services_page["contents"] if service["alternate_name"] == "P" and
                      service["capacities"] and service["capacities"][0]["available"] == 0)  # fmt: skip
    assert "Waitlist" in waitlisted["capacities"][0]["description"]


def test_stale_availability_is_no_capacity_and_unknown_counts_are_none(api_client):
    programs = _fuller_center()

    service = _get(api_client, f"/hsds/services/{programs['op'].directory_id}")

    assert service["capacities"] == []  # 20 days old: unknown, not trusted
    assert "Medicare" not in {attribute["taxonomy_term"]["name"] for attribute in service["attributes"]}


def test_spanish_with_lang_or_accept_language(api_client):
    programs = _fuller_center()
    path = f"/hsds/services/{programs['iop'].directory_id}"

    by_param = _get(api_client, f"{path}?lang=es")
    by_header = _get(api_client, path, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")

    assert by_param["name"] == by_header["name"] == "Programa intensivo"
    assert by_param["fees_description"] == "Escala móvil."
    assert _get(api_client, path)["name"] == "Intensive Program"


def test_ids_are_the_same_after_a_reseed_into_an_empty_database(api_client):
    seed_content()
    first = _ids(api_client)
    for model in apps.get_app_config("content").get_models():  # every content row: an empty database
        model.objects.all().delete()
    cache.clear()

    seed_content()

    assert _ids(api_client) == first
    assert all(uuid.UUID(value).version == 5 for value in first)


def _ids(client) -> list[str]:
    ids = []
    for path in LISTS:
        url = path if "taxonom" in path else f"{path}?full=true"
        ids += sorted(item["id"] for item in _get(client, url)["contents"])
    return ids


def test_a_renamed_program_keeps_its_id(api_client):
    program = ProgramFactory(slug="iop")
    before = program.directory_id

    program.slug = "intensive"
    services.content_save(item=program)

    program.refresh_from_db()
    assert program.directory_id == before


def test_modified_after_returns_exactly_what_changed(api_client, django_capture_on_commit_callbacks):
    programs = _fuller_center()
    Program.objects.update(updated_at=timezone.now() - timedelta(days=30))
    ProgramAvailability.objects.update(updated_at=timezone.now() - timedelta(days=30))
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    cache.clear()
    assert _get(api_client, "/hsds/services", QUERY_STRING=f"modified_after={since}")["contents"] == []

    with django_capture_on_commit_callbacks(execute=True):
        services.program_availability_update(program=programs["php"], accepting="paused", updated_by=None)

    changed = _get(api_client, "/hsds/services", QUERY_STRING=f"modified_after={since}")["contents"]
    assert [service["id"] for service in changed] == [str(programs["php"].directory_id)]


def test_unpublished_programs_never_appear(api_client):
    programs = _fuller_center()
    draft = Program.objects.get(slug="draft")
    services.content_unpublish(item=programs["op"])
    cache.clear()

    listed = {service["id"] for service in _get(api_client, "/hsds/services?full=true")["contents"]}
    at_locations = {row["service_id"] for row in _get(api_client, "/hsds/service_at_locations")["contents"]}

    hidden = {str(draft.directory_id), str(programs["op"].directory_id)}
    assert not listed & hidden
    assert not at_locations & hidden
    assert api_client.get(f"/hsds/services/{programs['op'].directory_id}").status_code == 404


def test_filters_are_cumulative_and_paging_follows_the_page_wrapper(api_client):
    programs = _fuller_center()
    cbt = Therapy.objects.get(slug="cbt")
    dbt = Therapy.objects.get(slug="dbt")
    org = _get(api_client, "/hsds/organizations")["contents"][0]["id"]

    with_dbt = _get(api_client, f"/hsds/services?taxonomy_term_id={dbt.directory_id}")["contents"]
    with_both = _get(api_client, f"/hsds/services?taxonomy_term_id={cbt.directory_id}&organization_id={org}")
    other_org = _get(api_client, f"/hsds/services?taxonomy_term_id={dbt.directory_id}&organization_id={uuid.uuid4()}")
    therapies_taxonomy = next(t for t in _get(api_client, "/hsds/taxonomies")["contents"] if "therapies" in t["name"])
    by_taxonomy = _get(api_client, f"/hsds/services?taxonomy_id={therapies_taxonomy['id']}")["contents"]
    searched = _get(api_client, "/hsds/services?search=intensive")["contents"]

    assert {service["id"] for service in with_dbt} == {str(programs[s].directory_id) for s in ("iop", "php")}
    assert [service["id"] for service in with_both["contents"]] == [str(programs["iop"].directory_id)]
    assert other_org["contents"] == []
    assert other_org["empty"] is True
    assert len(by_taxonomy) == 2
    assert [service["id"] for service in searched] == [str(programs["iop"].directory_id)]

    first = _get(api_client, "/hsds/services?per_page=2")
    second = _get(api_client, "/hsds/services?per_page=2&page=2")
    assert {k: v for k, v in first.items() if k != "contents"} == {
        "total_items": 3, "total_pages": 2, "page_number": 1, "size": 2,
        "first_page": True, "last_page": False, "empty": False,
    }  # fmt: skip
    assert (second["page_number"], second["size"], second["first_page"], second["last_page"]) == (2, 1, False, True)
    assert {s["id"] for s in first["contents"] + second["contents"]} == {str(p.directory_id) for p in programs.values()}
    minimal = _get(api_client, "/hsds/services?minimal=true")["contents"]
    assert all(set(service) == {"id", "name", "status", "last_modified"} for service in minimal)
    listed = _get(api_client, "/hsds/services")["contents"]
    assert all("capacities" not in service for service in listed)  # one-to-one fields only, unless `full`


@pytest.mark.parametrize(
    "query",
    ["page=0", "per_page=abc", "per_page=1000", "full=maybe", "modified_after=yesterday", "format=ndjson",
     "lang=fr"],
)  # fmt: skip
def test_bad_parameters_answer_a_problem(api_client, query):
    _fuller_center()

    response = api_client.get(f"/hsds/services?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_item_or_page_is_a_problem_404(api_client):
    _fuller_center()

    for path in (f"/hsds/services/{uuid.uuid4()}", "/hsds/services?page=9", "/hsds/nothing-here"):
        response = api_client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/hsds", "/hsds/", "/hsds/services", "/hsds/services/", "/hsds/taxonomies/"])
def test_fixed_paths_answer_with_or_without_a_trailing_slash(api_client, path):
    _fuller_center()

    response = api_client.get(path)

    assert response.status_code == 200


def test_warm_reads_are_cached_with_etag_and_304_and_run_no_sql(api_client):
    _fuller_center()
    first = api_client.get("/hsds/services?full=true")

    with CaptureQueriesContext(connection) as queries:
        again = api_client.get("/hsds/services?full=true")
        revalidated = api_client.get("/hsds/services?full=true", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content
    assert revalidated.status_code == 304
    assert len(queries) == 0


def test_reads_are_throttled_like_content(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    _fuller_center()

    statuses = [api_client.get("/hsds/taxonomies").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_root_links_an_openapi_document_of_the_hsds_paths(api_client):
    root = _get(api_client, "/hsds/")
    document = _get(api_client, root["openapi_url"].removeprefix("http://testserver"))

    assert root["version"] == "3.1"
    assert {"/services", "/services/{id}", "/taxonomy_terms"} <= set(document["paths"])
    assert document["servers"] == [{"url": "http://testserver/hsds"}]


def test_check_jsonschema_agrees_on_a_saved_response(api_client, tmp_path):
    """A second, independent validator (check-jsonschema, its own $ref loading) over a saved full service."""
    programs = _fuller_center()
    saved: Path = tmp_path / "service.json"
    saved.write_bytes(api_client.get(f"/hsds/services/{programs['iop'].directory_id}").content)
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert executable is not None, "pip install -r requirements-dev.txt (check-jsonschema)"

    result = subprocess.run(  # our own venv's tool, our own file
        [executable, "--schemafile", str(_standard_dir() / "service.json"), str(saved)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert orjson.loads(saved.read_bytes())["capacities"][0]["available"] == 4


def test_the_directory_answers_as_json_for_machines_without_a_session(api_client):
    response = api_client.get("/hsds/taxonomies")

    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_the_projects_copy_of_the_standard_is_the_pinned_one_byte_for_byte():
    copied = sorted(path.relative_to(STANDARD_DIR) for path in STANDARD_DIR.rglob("*") if path.is_file())
    assert Path("schema/service.json") in copied
    assert Path("LICENSE") in copied
    for name in copied:
        if name.suffix == ".json":
            orjson.loads((STANDARD_DIR / name).read_bytes())  # whole and well-formed
    pinned = shared_standard_dir()
    if pinned is not None:  # beside the workplace's shared folder (not in a clean clone elsewhere)
        for name in copied:
            assert (STANDARD_DIR / name).read_bytes() == (pinned / name).read_bytes(), name
        pinned_schemas = sorted(path.relative_to(pinned) for path in (pinned / "schema").rglob("*") if path.is_file())
        assert pinned_schemas == [name for name in copied if name.parts[0] == "schema"]
