"""The refusals of a submission speak the language of `Accept-Language` (Spanish or English), for a person
reading them beside a form's fields; machines match on field names and codes, which never change."""

import ast
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.utils import translation

from api.exceptions import PROBLEM_TITLES
from api.throttling import SubmissionThrottled
from leads.models import Lead
from tests.embed.conftest import ORIGIN, URL, send
from tests.leads.conftest import lead_body, make_key

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

ROOT = Path(__file__).resolve().parents[2]
LEADS_URL = "/api/v1/leads/"
SPANISH_PHONE = "Escriba un número de teléfono válido, p. ej., 602-555-0123."
ENGLISH_PHONE = "Enter a valid phone number, e.g. 602-555-0123."


def _lead(api_client, language: str | None, **overrides):
    headers = {} if language is None else {"HTTP_ACCEPT_LANGUAGE": language}
    return api_client.post(LEADS_URL, lead_body(**overrides), format="json", **headers)


def _varies_on_language(response) -> bool:
    return "accept-language" in {name.strip().lower() for name in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("language", ["es", "es-MX", "es-MX, es;q=0.9, en;q=0.8", "fr, es;q=0.5"])
def test_a_contact_request_is_refused_in_spanish_for_a_spanish_reader(api_client, programs, language):
    response = _lead(api_client, language, phone="555", email="")

    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "Solicitud incorrecta"
    assert problem["detail"] == "La solicitud no es válida; vea `errors`."
    assert problem["errors"]["phone"] == [SPANISH_PHONE]
    assert response["Content-Language"] == "es"
    assert _varies_on_language(response)


@pytest.mark.parametrize("language", [None, "fr", "*", "de-DE, fr;q=0.9", "es;q=0, en", "ñ!!"])
def test_anything_but_spanish_is_answered_in_english(api_client, programs, language):
    response = _lead(api_client, language, phone="555", email="")

    problem = response.json()
    assert problem["title"] == "Bad Request"
    assert problem["detail"] == "The request is not valid; see `errors`."
    assert problem["errors"]["phone"] == [ENGLISH_PHONE]
    assert response["Content-Language"] == "en"
    assert _varies_on_language(response)


def test_codes_types_and_field_names_are_the_same_in_every_language(api_client, programs):
    invalid = {"first_name": "", "email": "not an address", "state": "ZZ", "consent": {"contact": False},
               "age_range": "teen", "colour": "blue"}  # fmt: skip
    english, spanish = (_lead(api_client, language, **invalid).json() for language in ("en", "es"))

    assert {key: english[key] for key in ("type", "status", "code")} == {
        key: spanish[key] for key in ("type", "status", "code")
    }
    assert english["errors"].keys() == spanish["errors"].keys()
    assert {"first_name", "email", "state", "consent.contact", "age_range", "colour"} <= spanish["errors"].keys()
    for field, messages in spanish["errors"].items():
        assert messages != english["errors"][field], field
    # Django's and DRF's own messages come in Spanish from their catalogs.
    assert spanish["errors"]["first_name"] == ["Este campo no puede estar en blanco."]
    assert spanish["errors"]["colour"] == ["Campo desconocido."]


def test_a_referral_from_the_embedded_form_is_refused_in_spanish(api_client, programs, publishable):
    response = send(api_client, publishable, phone="123", headers={"HTTP_ACCEPT_LANGUAGE": "es"},
                    referrer={"name": "Dr. Test Clinician", "phone": "12"}, client_consent=False)  # fmt: skip

    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"] == {
        "phone": [SPANISH_PHONE],
        "referrer.phone": [SPANISH_PHONE],
        "client_consent": ["Se necesita el consentimiento de la persona para la derivación."],
    }
    assert response["Content-Language"] == "es"
    assert _varies_on_language(response)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert not Lead.objects.exists()


def test_a_page_outside_the_keys_origins_is_refused_in_spanish(api_client, programs, publishable):
    response = send(api_client, publishable, origin="https://other.example", headers={"HTTP_ACCEPT_LANGUAGE": "es"})

    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "origin_not_allowed"
    assert problem["title"] == "Prohibido"
    assert problem["detail"].startswith("El origen de esta página no está permitido para esta clave.")


def test_a_missing_human_check_is_refused_in_spanish(api_client, programs, publishable, settings):
    settings.TURNSTILE_SECRET_KEY = "synthetic-secret"  # on; a missing token never calls siteverify

    response = send(api_client, publishable, headers={"HTTP_ACCEPT_LANGUAGE": "es-MX"})

    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "turnstile_missing"
    assert problem["detail"] == (
        "Falta la verificación humana del formulario: complétela y envíe el formulario de nuevo."
    )
    assert response["Content-Language"] == "es"


def test_too_many_referrals_are_refused_in_spanish(api_client, programs, publishable, settings, steady_throttle_window):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "embed_ip": "1/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert send(api_client, publishable).status_code == 201

    response = send(api_client, publishable, headers={"HTTP_ACCEPT_LANGUAGE": "es"})

    assert response.status_code == 429
    problem = response.json()
    assert problem["code"] == "throttled"
    assert problem["title"] == "Demasiadas solicitudes"
    # In minutes a person can act on (DRF's own says thousands of seconds), with the phone; Retry-After for machines.
    assert problem["detail"].startswith("Se enviaron demasiados formularios desde aquí en poco tiempo")
    assert re.search(r"Inténtelo de nuevo en \d+ minutos? o llámenos al 602-926-7729\.$", problem["detail"])
    assert int(response["Retry-After"]) > 60
    assert response["Content-Language"] == "es"
    english = send(api_client, publishable).json()["detail"]
    assert re.search(r"Please try again in \d+ minutes?, or call us at 602-926-7729\.$", english)


def test_an_accepted_referral_is_answered_as_before_whatever_the_language(api_client, programs, publishable):
    english = send(api_client, publishable, headers={"HTTP_IDEMPOTENCY_KEY": "a" * 16})
    spanish = send(api_client, publishable, first_name="Robin", headers={"HTTP_ACCEPT_LANGUAGE": "es"})

    assert english.status_code == spanish.status_code == 201
    english_body, spanish_body = english.json(), spanish.json()
    assert english_body.keys() == spanish_body.keys()
    assert spanish_body["crisis_notice"] == english_body["crisis_notice"]
    assert "Content-Language" not in spanish
    assert _varies_on_language(spanish)


def test_a_spanish_contact_request_receipt_is_unchanged(api_client, programs):
    response = _lead(api_client, "es")

    assert response.status_code == 201
    assert response["Content-Language"] == "es"
    assert response.json()["next_steps"].startswith("Gracias por comunicarse")


def test_reading_referrals_does_not_vary_on_the_language(api_client, embed_partner):
    reader = make_key(embed_partner, ["referrals:read"])

    response = api_client.get(URL, **reader.header, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert not _varies_on_language(response)


def test_a_preflight_naming_accept_language_is_answered(client, publishable):
    response = client.options(
        URL, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language, authorization, content-type, idempotency-key",
    )  # fmt: skip

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {name.strip() for name in response["Access-Control-Allow-Headers"].split(",")}
    assert "accept-language" in allowed


# Every message a submission (the API's, the embedded form's, the portal's) can give a person.
MESSAGE_SOURCES = [
    "api/serializers/leads.py", "api/exceptions.py", "api/authentication.py", "api/permissions.py",
    "leads/exceptions.py", "leads/abuse.py", "leads/form_tokens.py",
    "partners/exceptions.py", "partners/services.py", "portal/forms.py", "portal/views/referrals.py",
]  # fmt: skip
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy"}


def _message_ids(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text())
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES
        and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
    ]  # fmt: skip


def test_the_throttled_message_has_its_spanish_in_every_plural_form():
    with translation.override("es"):
        one = SubmissionThrottled(wait=30).detail
        many = SubmissionThrottled(wait=3600).detail

    assert one.endswith("en 1 minuto o llámenos al 602-926-7729.")
    assert many.endswith("en 60 minutos o llámenos al 602-926-7729.")


@pytest.mark.parametrize("path", MESSAGE_SOURCES)
def test_every_message_a_submission_can_give_has_its_spanish(path):
    ids = _message_ids(path)
    assert ids, f"no message found in {path}"
    with translation.override("es"):
        untranslated = [msgid for msgid in ids if translation.gettext(msgid) == msgid]
    assert untranslated == []


def test_problem_titles_in_english_are_the_http_reason_phrases():
    with translation.override("en"):
        assert {status: str(title) for status, title in PROBLEM_TITLES.items()} == {
            status: HTTPStatus(status).phrase for status in PROBLEM_TITLES
        }


@pytest.mark.parametrize("path", [LEADS_URL, URL])
def test_the_openapi_description_says_accept_language_chooses_the_error_messages_language(client, path):
    operation = client.get("/api/schema/", {"format": "json"}).json()["paths"][path]["post"]

    accept_language = next(p for p in operation["parameters"] if p["name"] == "Accept-Language")
    assert accept_language["in"] == "header"
    assert "error messages" in accept_language["description"] or "problem's" in accept_language["description"]
    for status in ("400", "429"):
        assert "Content-Language" in operation["responses"][status]["headers"], status


def test_reading_referrals_too_often_is_refused_as_before(api_client, embed_partner, settings, steady_throttle_window):
    reader = make_key(embed_partner, ["referrals:read"])
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "partner": "1/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert api_client.get(URL, **reader.header).status_code == 200

    response = api_client.get(URL, **reader.header, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled.")
    assert not _varies_on_language(response)


def test_a_referral_without_a_key_is_refused_in_spanish(api_client, programs):
    response = api_client.post(URL, {}, format="json", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 401
    problem = response.json()
    assert problem["code"] == "not_authenticated"
    assert problem["title"] == "No autorizado"
    assert problem["detail"] == "Se necesita una clave de la API: envíe `Authorization: Api-Key <clave>`."
