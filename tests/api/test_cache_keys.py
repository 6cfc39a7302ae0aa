"""The response cache keys what a request means, not how it is spelt: junk and reordering make no entries,
an unpublished slug answers as an unknown one, no entry is too large, and a flood cannot reach the broker."""

import itertools
import random

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    TagFactory,
    TestimonialFactory,
    TherapyFactory,
    paragraph,
)

pytestmark = pytest.mark.django_db

RESPONSE_KEYS = "*content:resp:*"


def _response_keys() -> list:
    client = redis.Redis.from_url(settings.CACHES["responses"]["LOCATION"])
    try:
        return client.keys(RESPONSE_KEYS)
    finally:
        client.close()


def _spellings_of_one_list(count: int) -> list[tuple[str, dict[str, str]]]:
    """`count` URLs (with headers) that all mean: articles of the `iop` program, slug, title and summary,
    first page of 20, in English."""
    chooser = random.Random(10)  # the same thousand spellings every run
    fields = ["slug", "title", "summary"]
    spellings = []
    for number in range(count):
        names = fields + chooser.sample(fields, chooser.randint(0, 3))  # repeated names
        chooser.shuffle(names)
        params = [("fields", ",".join(names)), ("program", "iop")]
        params += chooser.choice([[("page", "1")], [("page_size", "20")], [("page_size", "020")]])
        params += [(f"utm_{number}", "x"), (f"junk{chooser.randint(0, 10**6)}", str(number))]
        if chooser.random() < 0.3:
            params.append(("lang", "en"))
        chooser.shuffle(params)
        # Repeated parameters: the last one counts, as Django and django-filter read them.
        decoys = [("fields", "title"), ("program", f"junk-{number}"), ("page_size", "5")]
        chosen = chooser.sample(decoys, chooser.randint(0, 3))
        params = chosen + params
        if ("page_size", "5") in chosen:
            params.append(("page_size", chooser.choice(["20", "020"])))
        query = "&".join(f"{name}={value}" for name, value in params)
        headers = chooser.choice([{}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"}, {"HTTP_ACCEPT_LANGUAGE": "fr"}])
        spellings.append((f"/api/v1/articles/?{query}", headers))
    return spellings


def test_a_thousand_spellings_and_junk_parameters_of_one_list_leave_one_cache_entry(
    api_client, settings, steady_throttle_window
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "5000/minute"}}
    iop = ProgramFactory(slug="iop")
    for article in ArticleFactory.create_batch(3):
        article.related_programs.set([iop])
    ArticleFactory()  # not in the program

    bodies = set()
    for url, headers in _spellings_of_one_list(1000):
        response = api_client.get(url, **headers)
        assert response.status_code == 200, url
        bodies.add(response.content)

    assert len(bodies) == 1
    body = api_client.get("/api/v1/articles/?program=iop&fields=summary,slug,title").json()
    assert body["count"] == 3
    assert set(body["results"][0]) == {"slug", "title", "summary"}
    assert len(_response_keys()) == 1


def test_every_slug_of_no_live_item_shares_one_cache_entry(api_client, settings, steady_throttle_window):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "5000/minute"}}
    ArticleFactory()

    for number in range(200):
        assert api_client.get(f"/api/v1/articles/?program=no-such-{number}").json()["count"] == 0

    assert len(_response_keys()) == 1


def test_search_text_differing_in_case_and_spacing_shares_one_cache_entry(api_client):
    ArticleFactory(title="Coping with anxiety")

    answers = [
        api_client.get(f"/api/v1/articles/?search={text}").content
        for text in ("anxiety", "Anxiety", "%20ANXIETY%20%20", "anxiety%20")
    ]

    assert answers.count(answers[0]) == 4
    assert b"Coping with anxiety" in answers[0]
    assert len(_response_keys()) == 1


def test_an_ordering_naming_a_field_twice_means_its_first_mention(api_client):
    ArticleFactory(title="B", reading_time_minutes=1)
    ArticleFactory(title="A", reading_time_minutes=2)

    first = api_client.get("/api/v1/articles/?ordering=title")
    second = api_client.get("/api/v1/articles/?ordering=title,-title,title")

    assert [item["title"] for item in first.json()["results"]] == ["A", "B"]
    assert second.content == first.content
    assert len(_response_keys()) == 1


def test_page_links_are_the_same_whichever_spelling_rendered_the_cached_page(api_client):
    ArticleFactory.create_batch(3)
    first = api_client.get("/api/v1/articles/?page_size=1&fields=title,slug,title&junk=1")
    second = api_client.get("/api/v1/articles/?fields=slug,title&page_size=01&page=1")

    assert first.content == second.content
    assert first.json()["next"] == "http://testserver/api/v1/articles/?fields=slug%2Ctitle&lang=en&page=2&page_size=1"


def test_a_response_larger_than_the_entry_limit_is_served_but_never_stored(api_client, settings):
    settings.CONTENT_CACHE_MAX_ENTRY_BYTES = 2000
    ArticleFactory(body=[paragraph("A long body. " * 100)] * 4)

    large = api_client.get("/api/v1/articles/?fields=slug,body")
    small = api_client.get("/api/v1/articles/?fields=slug")

    assert large.status_code == small.status_code == 200
    assert len(large.content) > 2000 > len(small.content)
    assert len(_response_keys()) == 1  # the small one
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/articles/?fields=slug,body&x=1").content == large.content
    assert len(queries) > 0  # rendered again from the database


@pytest.fixture
def one_of_each_live_and_draft():
    live_program, draft_program = ProgramFactory(slug="live"), ProgramFactory(slug="unlaunched", status="draft")
    scheduled_therapy = TherapyFactory(slug="scheduled-therapy", status="draft")
    therapy = TherapyFactory(slug="cbt")
    draft_program.therapies.add(therapy)
    live_program.therapies.add(TherapyFactory(slug="dbt"))
    secret_tag = TagFactory(slug="secret-topic")
    draft_article = ArticleFactory(slug="draft-article", status="draft")
    draft_article.tags.set([secret_tag])
    article = ArticleFactory(slug="shown")
    article.related_programs.set([draft_program, live_program])
    article.related_therapies.set([scheduled_therapy, therapy])
    FAQFactory(program=draft_program, question="When does the new program start?")
    TestimonialFactory(program=draft_program, quote="The new program helped.")


@pytest.mark.parametrize(
    ("path", "name", "unpublished"),
    [
        ("/api/v1/therapies/", "program", "unlaunched"),
        ("/api/v1/articles/", "program", "unlaunched"),
        ("/api/v1/articles/", "therapy", "scheduled-therapy"),
        ("/api/v1/articles/", "tag", "secret-topic"),
        ("/api/v1/faqs/", "program", "unlaunched"),
        ("/api/v1/testimonials/", "program", "unlaunched"),
    ],
)
def test_an_unpublished_slug_answers_exactly_as_an_unknown_one(
    api_client, one_of_each_live_and_draft, path, name, unpublished
):
    draft = api_client.get(f"{path}?{name}={unpublished}")
    unknown = api_client.get(f"{path}?{name}=never-existed")

    assert draft.status_code == unknown.status_code == 200
    assert draft.json()["count"] == 0
    assert draft.content == unknown.content
    assert draft["ETag"] == unknown["ETag"]


def test_a_live_slug_still_filters(api_client, one_of_each_live_and_draft):
    assert [item["slug"] for item in api_client.get("/api/v1/therapies/?program=live").json()["results"]] == ["dbt"]
    assert [item["slug"] for item in api_client.get("/api/v1/articles/?program=live").json()["results"]] == ["shown"]
    assert [item["slug"] for item in api_client.get("/api/v1/articles/?therapy=cbt").json()["results"]] == ["shown"]


@pytest.mark.parametrize("spellings", list(itertools.islice(itertools.permutations(["title", "slug", "body"]), 3)))
def test_a_detail_is_one_entry_whatever_the_order_of_its_fields(api_client, spellings):
    ArticleFactory(slug="a")

    api_client.get(f"/api/v1/articles/a/?fields={','.join(spellings)}&page=3&page_size=7")
    api_client.get("/api/v1/articles/a/?fields=body,slug,title")

    assert len(_response_keys()) == 1
