"""No saved content can break the API: arbitrary JSON and text through every structured field's form and model
validation either is refused with an error, or is saved and read back through the API with 200 and a body
matching the documented schema (the OpenAPI document the project serves, checked by Schemathesis)."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.exceptions import ValidationError
from django.db import close_old_connections
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api import warm_reads
from config.wsgi import application
from content import services, structured
from content.blocks import image_ids
from content.crisis import CRISIS_RESOURCES
from content.forms import structured_formfield
from content.models import Article, MediaAsset, Program, SiteProfile, Therapy
from content.seeding import seed_content
from tests.conftest import _clear_caches

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@dataclass(frozen=True)
class Target:
    model: Any
    field: str
    path: str  # the operation that shows the field
    slug: str | None = None


TARGETS = [
    Target(SiteProfile, "hours", "/api/v1/site/"),
    Target(SiteProfile, "crisis_resources_en", "/api/v1/site/"),
    Target(SiteProfile, "crisis_resources_es", "/api/v1/site/"),
    Target(SiteProfile, "calls_to_action_en", "/api/v1/site/"),
    Target(SiteProfile, "calls_to_action_es", "/api/v1/site/"),
    *(
        Target(Program, name, "/api/v1/programs/{slug}/", "iop")
        for name in (
            "conditions_addressed_en",
            "conditions_addressed_es",
            "languages",
            "service_area_counties",
            "delivery_methods",
            "required_documents_en",
            "required_documents_es",
            "body_en",
            "body_es",
        )
    ),
    Target(Therapy, "formats", "/api/v1/therapies/{slug}/", "cbt"),
    Target(Therapy, "body_en", "/api/v1/therapies/{slug}/", "cbt"),
    Target(Article, "body_en", "/api/v1/articles/{slug}/", "any"),
    Target(Article, "body_es", "/api/v1/articles/{slug}/", "any"),
]

# The id the media library's one image is given (wsgi_in_test_transaction), so strategies can name it.
LIBRARY_IMAGE_ID = 4242
_text = st.text(max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=8,
)
_time = st.sampled_from(["08:00", "17:30", "23:59", "24:00", "8:00", "", "noon"]) | _text
_href = st.sampled_from(["/contact/", "https://x.org", "tel:+1602", "mailto:a@b.org", "javascript:x", "//x"]) | _text
_phone = st.sampled_from(["988", "911", "+16025551234", "", "call"])
_spans = st.lists(
    st.fixed_dictionaries({"text": _text}, optional={"bold": st.booleans(), "italic": st.booleans(), "href": _href}),
    max_size=3,
)
_block = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("heading"), "level": st.sampled_from([1, 2, 3, 4, 2.0, "2"]), "text": _text}
    ),
    st.fixed_dictionaries({"type": st.just("paragraph"), "children": _spans}),
    st.fixed_dictionaries(
        {"type": st.just("list"), "style": st.sampled_from(["bulleted", "numbered", "x"]), "items": st.lists(_spans)}
    ),
    st.fixed_dictionaries({"type": st.just("quote"), "children": _spans}, optional={"attribution": _text}),
    st.fixed_dictionaries({"type": st.just("call_to_action"), "text": _text, "label": _text, "href": _href}),
    st.just({"type": "crisis_resources"}),
    # The library's image (LIBRARY_IMAGE_ID), one that is not there, and ids of the wrong type.
    st.fixed_dictionaries(
        {"type": st.just("image"), "image": st.sampled_from([LIBRARY_IMAGE_ID, 987654, 0, float(LIBRARY_IMAGE_ID)])},
        optional={"alt": _text, "caption": _text},
    ),
    st.fixed_dictionaries({"type": st.just("image"), "image": _json}),
)
_hours_row = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(structured.DAYS), min_size=1, max_size=3, unique=True),
        "opens": st.sampled_from(["07:00", "08:30"]),
        "closes": st.sampled_from(["12:00", "17:00"]) | _time,
    }
)
_crisis_row = st.fixed_dictionaries({"name": _text, "description": _text, "phone": _phone, "sms": _phone, "url": _href})
NEAR_VALID: dict[str, Any] = {
    "hours": st.lists(
        st.fixed_dictionaries(
            {"days": st.lists(st.sampled_from([*structured.DAYS, "Mon"]), max_size=3), "opens": _time, "closes": _time}
        ),
        max_size=3,
    )
    | st.lists(_hours_row, min_size=1, max_size=3),
    # The national lines first (they must stay), then anything.
    "crisis_resources": st.lists(_crisis_row, max_size=3)
    | st.lists(_crisis_row, max_size=2).map(lambda extra: [*CRISIS_RESOURCES, *extra]),
    "calls_to_action": st.lists(st.fixed_dictionaries({"text": _text, "label": _text, "href": _href}), max_size=2),
    "words": st.lists(_text, max_size=3),
    "languages": st.lists(st.sampled_from(["en", "es", "EN", "e", "zz", "ñx"]), max_size=3),
    "delivery_methods": st.lists(st.sampled_from(["in_person", "telehealth", "online"]), max_size=3),
    "formats": st.lists(st.sampled_from(["individual", "group", "family", "couples"]), max_size=3),
    "body": st.lists(_block, max_size=4),
}


def _near_valid(field: str) -> Any:
    base = field.removesuffix("_en").removesuffix("_es")
    if base in {"conditions_addressed", "required_documents", "service_area_counties"}:
        return NEAR_VALID["words"]
    return NEAR_VALID[base]


@pytest.fixture
def wsgi_in_test_transaction(settings, tmp_path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    seed_content()
    article = Article.objects.get()
    services.content_publish(item=article)
    image = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 90)).save(image, format="JPEG")
    made = services.media_asset_import(data=image.getvalue(), filename="room.jpg", alt_en="A room", alt_es="Una sala")
    MediaAsset.objects.filter(pk=made.pk).update(id=LIBRARY_IMAGE_ID)
    services.media_renditions_make(asset_id=LIBRARY_IMAGE_ID)
    # As in tests/reliability/test_contract.py: the WSGI handler would close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _target_item(target: Target) -> Any:
    if target.model is SiteProfile:
        return SiteProfile.objects.get()
    if target.model is Article:
        return Article.objects.get()
    return target.model.objects.get(slug=target.slug)


def _save(item: Any) -> None:
    if isinstance(item, SiteProfile):
        services.site_profile_save(profile=item)
    else:
        services.content_save(item=item)


def _read_through_the_api(target: Target, item: Any) -> None:
    _clear_caches()
    warm_reads.routes.clear()
    operation = schema[target.path]["GET"]
    path_parameters = {"slug": item.slug} if "{slug}" in target.path else None
    for lang in ("en", "es"):
        case = operation.Case(path_parameters=path_parameters, query={"lang": lang})
        response = case.call(headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, (target, lang, response.text[:500])
        case.validate_response(response, checks=CHECKS)


def _check(target: Target, value: Any) -> bool:
    """True when the value was saved and served; False when it was refused."""
    item = _target_item(target)
    setattr(item, target.field, value)
    try:
        _save(item)
    except ValidationError:
        return False  # refused with an error: nothing saved
    _read_through_the_api(target, _target_item(target))
    return True


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS, ids=lambda target: f"{target.model.__name__}.{target.field}")
def test_any_json_in_a_structured_field_is_refused_or_served_as_documented(target, wsgi_in_test_transaction):
    outcomes: list[bool] = []
    served_images: list[bool] = []

    @SETTINGS
    @given(value=st.one_of(_json, _near_valid(target.field)))
    def run(value: Any) -> None:
        saved = _check(target, value)
        outcomes.append(saved and bool(value))
        served_images.append(saved and LIBRARY_IMAGE_ID in image_ids(value))

    run()
    assert any(outcomes), "no non-empty value was valid: the property never reached the API"
    if target.field.startswith("body_"):
        assert any(served_images), "no body with the library's image reached the API"


def _posted(name: str, rows: list[dict[str, Any]]) -> QueryDict:
    data = QueryDict(mutable=True)
    data[f"{name}-count"] = str(len(rows))
    for index, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, list):
                data.setlist(f"{name}-{index}-{key}", value)
            else:
                data[f"{name}-{index}-{key}"] = value
    return data


_form_text = st.text(max_size=20)
FORM_ROWS: dict[str, Any] = {
    "hours": st.fixed_dictionaries(
        {"days": st.lists(st.sampled_from([*structured.DAYS, "xx"]), max_size=3), "opens": _time, "closes": _time}
    )
    | _hours_row,
    "crisis_resources": st.fixed_dictionaries(
        {"name": _form_text, "description": _form_text, "phone": _phone | _form_text, "sms": _form_text, "url": _href}
    )
    | st.sampled_from(CRISIS_RESOURCES),
    # Any text, or a row known to be valid (so that a list of them reaches the API, however the draw goes).
    "calls_to_action": st.fixed_dictionaries({"text": _form_text, "label": _form_text, "href": _href})
    | st.just({"text": "Ready to talk?", "label": "Call us", "href": "tel:+16029267729"}),
    "body": st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                ["heading", "paragraph", "list", "quote", "call_to_action", "crisis_resources", "image", "x"]
            ),
            "level": st.sampled_from(["1", "2", "4", "x", ""]),
            "text": _form_text
            | st.sampled_from(['<b>a</b> <a href="/x">b</a>', "<i></i>", '<a href="http://x">y</a>']),
            "style": st.sampled_from(["bulleted", "numbered", "x"]),
            "items": _form_text,
            "label": _form_text,
            "href": _href,
            "order": st.sampled_from(["1", "2", "", "x"]),
            "image": st.sampled_from([str(LIBRARY_IMAGE_ID), "987654", "", "0", "x", "99999999999"]),
            "alt": _form_text,
            "caption": _form_text,
        }
    )
    # A valid image block, so that a body with the library's image reaches the API, however the draw goes.
    | st.just({"type": "image", "image": str(LIBRARY_IMAGE_ID), "caption": "Our group room"}),
}
FORM_TARGETS = [target for target in TARGETS if target.field.removesuffix("_en").removesuffix("_es") in FORM_ROWS]


@pytest.mark.django_db
@pytest.mark.parametrize("target", FORM_TARGETS, ids=lambda target: f"{target.model.__name__}.{target.field}")
def test_any_text_in_a_structured_form_is_refused_or_served_as_documented(target, wsgi_in_test_transaction):
    """The editor's form fields (rows of inputs, blocks), posted with any text: a form error, or a model error,
    or saved and served with 200 and the documented schema."""
    base = target.field.removesuffix("_en").removesuffix("_es")

    outcomes: list[bool] = []
    served_images: list[bool] = []

    @SETTINGS
    @given(rows=st.lists(FORM_ROWS[base], max_size=3))
    def run(rows: list[dict[str, Any]]) -> None:
        field = structured_formfield(target.model, target.model._meta.get_field(target.field))
        assert field is not None
        value = field.widget.value_from_datadict(_posted(target.field, rows), {}, target.field)
        try:
            cleaned = field.clean(value)
        except ValidationError:
            outcomes.append(False)
            return
        saved = _check(target, cleaned)
        outcomes.append(saved and bool(cleaned))
        served_images.append(saved and LIBRARY_IMAGE_ID in image_ids(cleaned))

    run()
    assert any(outcomes), "no non-empty form was valid: the property never reached the API"
    if base == "body":
        assert any(served_images), "no body with the library's image reached the API"
