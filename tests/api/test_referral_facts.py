"""What a referral partner checks before referring: a program's availability (unknown once stale), the insurance
accepted with its network status, eligibility and reach; edited in the admin, announced, cached."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content import services
from content.models import (
    ContentEvent,
    InsurancePlan,
    NetworkStatus,
    Program,
    ProgramAvailability,
    ProgramInsurance,
)
from content.seeding import seed_content
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _get(api_client, path: str, **headers) -> dict:
    response = api_client.get(path, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _plan(**fields) -> InsurancePlan:
    defaults = {"payer": "Payer", "plan": "", "slug": "payer", "kind": InsurancePlan.Kind.COMMERCIAL}
    return services.insurance_plan_save(plan=InsurancePlan(**{**defaults, **fields}))


def test_a_program_shows_the_availability_intake_stated_with_when(api_client):
    program = ProgramFactory(slug="iop")
    intake = User.objects.create_user("intake")
    services.program_availability_update(
        program=program,
        accepting="yes",
        openings=3,
        next_intake_date=date(2026, 12, 7),
        typical_wait_days=2,
        updated_by=intake,
    )

    availability = _get(api_client, "/api/v1/programs/iop/")["availability"]

    assert availability["accepting"] == "yes"
    assert (availability["openings"], availability["next_intake_date"], availability["typical_wait_days"]) == (
        3,
        "2026-12-07",
        2,
    )
    assert availability["updated_at"] is not None
    assert availability["stale"] is False
    assert ProgramAvailability.objects.get(program=program).updated_by == intake


def test_an_availability_not_updated_for_14_days_is_shown_as_unknown_with_its_age(api_client):
    program = ProgramFactory(slug="iop")
    services.program_availability_update(program=program, accepting="yes", openings=3, updated_by=None)
    stated = timezone.now() - timedelta(days=14, minutes=1)
    ProgramAvailability.objects.filter(program=program).update(updated_at=stated)

    listed = _get(api_client, "/api/v1/programs/")["results"][0]["availability"]

    assert listed["accepting"] == "unknown"
    assert listed["openings"] is None
    assert listed["stale"] is True
    assert listed["updated_at"] is not None


def test_a_cached_availability_turns_unknown_when_it_goes_stale(api_client, monkeypatch):
    program = ProgramFactory(slug="iop")
    services.program_availability_update(program=program, accepting="waitlist", updated_by=None)
    assert _get(api_client, "/api/v1/programs/iop/")["availability"]["accepting"] == "waitlist"

    later = timezone.now() + timedelta(days=15)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("time.time", lambda: later.timestamp())

    assert _get(api_client, "/api/v1/programs/iop/")["availability"]["accepting"] == "unknown"


def test_a_program_never_stated_reads_unknown():
    program = ProgramFactory()
    from content.selectors import availability_shown

    shown = availability_shown(program=Program.objects.select_related("availability").get(pk=program.pk))

    assert shown["accepting"] == "unknown"
    assert shown["updated_at"] is None
    assert shown["stale"] is False


def test_updating_availability_announces_the_program_and_refreshes_the_cached_page(
    api_client, django_capture_on_commit_callbacks
):
    program = ProgramFactory(slug="iop")
    assert _get(api_client, "/api/v1/programs/iop/")["availability"]["accepting"] == "unknown"
    ContentEvent.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.program_availability_update(program=program, accepting="paused", updated_by=None)

    event = ContentEvent.objects.get()
    assert (event.kind, event.item_type, event.slug) == ("content.updated", "program", "iop")
    assert "/programs/iop/" in event.paths
    assert _get(api_client, "/api/v1/programs/iop/")["availability"]["accepting"] == "paused"


def test_the_database_refuses_a_stated_availability_without_its_time():
    program = ProgramFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramAvailability.objects.create(program=program, accepting="yes", updated_at=None)


def test_openings_are_refused_unless_accepting():
    program = ProgramFactory()
    with pytest.raises(ValidationError):
        services.program_availability_update(program=program, accepting="paused", openings=4, updated_by=None)


def test_intake_marks_a_program_accepting_from_the_admin_changelist(client):
    program = ProgramFactory(slug="iop")
    lead = User.objects.create_superuser("lead", password="pw-for-tests-only")
    client.force_login(lead)

    response = client.post(
        "/admin/content/program/", {"action": "mark_waitlist", "_selected_action": [program.pk]}, follow=True
    )

    assert response.status_code == 200
    availability = ProgramAvailability.objects.get(program=program)
    assert (availability.accepting, availability.updated_by) == ("waitlist", lead)


def test_intake_sets_openings_in_the_availability_form_and_cannot_move_it_to_another_program(client):
    program, other = ProgramFactory(slug="iop"), ProgramFactory(slug="php")
    services.program_availability_update(program=program, accepting="waitlist", updated_by=None)
    lead = User.objects.create_superuser("lead", password="pw-for-tests-only")
    client.force_login(lead)
    availability = ProgramAvailability.objects.get(program=program)

    response = client.post(
        f"/admin/content/programavailability/{availability.pk}/change/",
        {"program": other.pk, "accepting": "yes", "openings": "2", "next_intake_date": "", "typical_wait_days": ""},
    )

    assert response.status_code == 302
    availability.refresh_from_db()
    assert (availability.program, availability.accepting, availability.openings) == (program, "yes", 2)
    assert availability.updated_by == lead
    assert not ProgramAvailability.objects.filter(program=other).exists()


def test_insurance_lists_each_plan_with_its_network_status_per_program(api_client):
    iop, php = ProgramFactory(slug="iop"), ProgramFactory(slug="php")
    ProgramFactory(slug="draft", status="draft", publish_at=None)
    medicare = _plan(payer="Medicare", slug="medicare", kind=InsurancePlan.Kind.MEDICARE)
    services.program_insurance_save(
        exception=ProgramInsurance(program=php, plan=medicare, network_status=NetworkStatus.NOT_ACCEPTED)
    )
    acme = _plan(payer="Acme Health", plan="PPO", slug="acme-ppo", network_status=NetworkStatus.OUT_OF_NETWORK)
    services.program_insurance_save(
        exception=ProgramInsurance(program=iop, plan=acme, network_status=NetworkStatus.SINGLE_CASE)
    )

    listed = {entry["slug"]: entry for entry in _get(api_client, "/api/v1/insurance/")["results"]}

    assert listed["medicare"]["programs"] == [{"slug": "iop", "network_status": "in_network"}]
    assert sorted((row["slug"], row["network_status"]) for row in listed["acme-ppo"]["programs"]) == [
        ("iop", "single_case_agreement_possible"),
        ("php", "out_of_network_with_benefits"),
    ]
    for_php = _get(api_client, "/api/v1/insurance/?program=php")["results"]
    assert [entry["slug"] for entry in for_php] == ["acme-ppo"]
    assert _get(api_client, "/api/v1/insurance/?program=draft")["results"] == []
    on_program = _get(api_client, "/api/v1/programs/php/")["insurance"]
    assert [(plan["slug"], plan["network_status"]) for plan in on_program] == [
        ("acme-ppo", "out_of_network_with_benefits")
    ]


def test_the_insurance_list_is_cached_and_an_edit_shows(api_client, django_capture_on_commit_callbacks):
    ProgramFactory(slug="iop")
    _plan(payer="Self-pay", slug="self-pay", kind=InsurancePlan.Kind.SELF_PAY)
    first = api_client.get("/api/v1/insurance/")
    with CaptureQueriesContext(connection) as queries:
        again = api_client.get("/api/v1/insurance/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        _plan(payer="Medicare", slug="medicare", kind=InsurancePlan.Kind.MEDICARE)

    assert {entry["slug"] for entry in _get(api_client, "/api/v1/insurance/")["results"]} == {"self-pay", "medicare"}


def test_the_programs_list_fetches_the_insurance_once_whatever_the_number_of_programs(api_client):
    _plan(payer="Medicare", slug="medicare", kind=InsurancePlan.Kind.MEDICARE)
    ProgramFactory.create_batch(2)
    with CaptureQueriesContext(connection) as two:
        _get(api_client, "/api/v1/programs/?lang=en")
    ProgramFactory.create_batch(3)
    cache.clear()  # render again (the factories' saves bump the version only on a commit)
    with CaptureQueriesContext(connection) as five:
        _get(api_client, "/api/v1/programs/?lang=en")

    assert len(five) == len(two)


def test_eligibility_and_reach_in_both_languages(api_client):
    program = ProgramFactory(
        slug="iop",
        minimum_age=18,
        languages=["en", "es"],
        service_area_counties=["Maricopa"],
        delivery_methods=["in_person", "telehealth"],
        required_documents_en=["Photo ID"],
        required_documents_es=["Identificación con foto"],
        fees_description_en="Sliding scale.",
    )
    program.full_clean()

    english = _get(api_client, "/api/v1/programs/iop/")["eligibility"]
    spanish = _get(api_client, "/api/v1/programs/iop/?lang=es")

    assert english["minimum_age"] == 18
    assert english["maximum_age"] is None
    assert english["service_area"] == {"state": "AZ", "counties": ["Maricopa"]}
    assert english["delivery_methods"] == ["in_person", "telehealth"]
    assert english["required_documents"] == ["Photo ID"]
    assert spanish["eligibility"]["required_documents"] == ["Identificación con foto"]
    assert spanish["eligibility"]["fees_description"] == "Sliding scale."
    assert "eligibility" in spanish["fallback_fields"]


def test_a_minimum_age_above_the_maximum_is_refused_by_the_service_and_the_database():
    program = ProgramFactory(minimum_age=18)
    program.maximum_age = 17
    with pytest.raises(ValidationError):
        services.content_save(item=program)
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(minimum_age=30, maximum_age=18)


def test_the_seed_invents_no_insurance_nor_availability_and_tells_editors(api_client):
    seed_content()

    assert not InsurancePlan.objects.exists()
    assert _get(api_client, "/api/v1/insurance/")["results"] == []
    for program in _get(api_client, "/api/v1/programs/")["results"]:
        assert program["availability"]["accepting"] == "unknown"
        assert program["insurance"] == []
    assert all("insurance accepted" in notes for notes in Program.objects.values_list("editor_notes", flat=True))
