"""The staff pages' door: Django's sign-in (with the TOTP policy the admin applies), pages in words for errors."""

import pytest
from django.urls import reverse

from tests.staff.conftest import send_lead

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_signed_out_people_are_sent_to_sign_in_and_back(client, programs):
    lead = send_lead()

    response = client.get(reverse("staff:lead", args=[lead.reference]))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next=/staff/leads/{lead.reference}/"


def test_a_session_without_the_code_the_policy_asks_for_is_sent_to_sign_in(signed_in, settings):
    settings.ADMIN_REQUIRE_OTP = "personal-data"  # an Intake account reads personal data

    response = signed_in.get(reverse("staff:inbox"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_unknown_lead_is_a_page_in_words_not_json(signed_in):
    response = signed_in.get("/staff/leads/L-000000/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "There is nothing here" in response.content.decode()


def test_a_form_posted_without_its_csrf_token_is_refused_in_words(client, intake, programs):
    lead = send_lead()
    client.handler.enforce_csrf_checks = True
    client.force_login(intake)

    response = client.post(reverse("staff:lead-take", args=[lead.reference]))

    assert response.status_code == 403
    assert "This form had expired" in response.content.decode()


def test_the_api_still_answers_problem_json_for_its_errors(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
