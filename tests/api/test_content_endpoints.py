import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TagFactory,
    TestimonialFactory,
    TherapyFactory,
)

pytestmark = pytest.mark.django_db


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_site_profile_carries_contact_licence_and_crisis_resources(api_client):
    from content.seeding import seed_content

    seed_content()

    body = api_client.get("/api/v1/site/").json()

    assert body["name"] == "Core Recovery"
    assert body["phone"] == "+16029267729"
    assert body["phone_display"] == "602-926-7729"
    assert body["licence_statement"] == "Arizona-licensed outpatient mental health facility"
    assert body["address"]["city"] == "Phoenix"
    assert body["address"]["region"] == "AZ"
    assert body["time_zone"] == "America/Phoenix"
    assert {resource["phone"] for resource in body["crisis_resources"]} == {"988", "911"}
    assert body["calls_to_action"][0]["text"].startswith("Are you feeling lost? Anxious? Depressed?")
    assert body["json_ld"]["@type"] == "MedicalClinic"


def test_site_profile_not_set_up_is_a_404_problem(api_client):
    response = api_client.get("/api/v1/site/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_program_detail_shows_schedule_therapies_faqs_body_and_json_ld(api_client):
    cbt = TherapyFactory(slug="cbt", name="Cognitive behavioral therapy", abbreviation="CBT")
    hidden = TherapyFactory(slug="draft-therapy", status="draft")
    program = ProgramFactory(slug="iop", short_name="IOP", days_per_week=3, hours_per_day="3.0")
    program.therapies.set([cbt, hidden])
    FAQFactory(program=program, question="How long?")

    body = api_client.get("/api/v1/programs/iop/").json()

    assert body["schedule"] == {"days_per_week": 3, "hours_per_day": 3.0}
    assert body["therapies"] == [{"slug": "cbt", "name": "Cognitive behavioral therapy", "abbreviation": "CBT"}]
    assert [faq["question"] for faq in body["faqs"]] == ["How long?"]
    assert body["body"][0]["type"] == "paragraph"
    assert body["body_html"].startswith("<p>")
    assert body["json_ld"]["@type"] == "MedicalWebPage"
    assert body["seo"]["canonical_path"] == "/programs/iop/"
    assert "editor_notes" not in body


def test_therapy_detail_lists_the_live_programs_that_use_it(api_client):
    therapy = TherapyFactory(slug="dbt", abbreviation="DBT", formats=["group", "individual"])
    ProgramFactory(slug="iop").therapies.add(therapy)
    ProgramFactory(slug="draft", status="draft").therapies.add(therapy)

    body = api_client.get("/api/v1/therapies/dbt/").json()

    assert [program["slug"] for program in body["programs"]] == ["iop"]
    assert body["formats"] == ["group", "individual"]
    assert body["json_ld"] == {
        "@context": "https://schema.org",
        "@type": "MedicalTherapy",
        "inLanguage": "en",
        "name": therapy.name,
        "description": therapy.summary,
        "url": "https://www.example.org/therapies/dbt/",
        "alternateName": "DBT",
    }


def test_article_detail_json_ld_is_a_medical_web_page(api_client):
    SiteProfileFactory()
    ArticleFactory(slug="a", title="On coping", author="A. Writer")

    body = api_client.get("/api/v1/articles/a/").json()

    assert body["json_ld"]["@type"] == "MedicalWebPage"
    assert body["json_ld"]["headline"] == "On coping"
    assert body["json_ld"]["publisher"]["name"] == "Core Recovery"
    assert body["json_ld"]["author"]["name"] == "A. Writer"


def test_unknown_slug_is_a_404_problem(api_client):
    response = api_client.get("/api/v1/programs/nope/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


class TestArticleFilters:
    @pytest.fixture
    def corpus(self):
        iop, php = ProgramFactory(slug="iop"), ProgramFactory(slug="php")
        cbt, dbt = TherapyFactory(slug="cbt"), TherapyFactory(slug="dbt")
        relapse = TagFactory(slug="relapse")
        first = ArticleFactory(slug="triggers", title="Identifying triggers", reading_time_minutes=1)
        first.related_programs.set([iop])
        first.related_therapies.set([cbt])
        first.tags.set([relapse])
        second = ArticleFactory(
            slug="family",
            title="Family therapy and support",
            body=[{"type": "paragraph", "children": [{"text": "Loved ones help prevent relapse. " * 100}]}] * 3,
        )
        second.related_programs.set([php])
        second.related_therapies.set([dbt, cbt])

    def test_by_program(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?program=iop")) == ["triggers"]

    def test_by_therapy(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?therapy=dbt")) == ["family"]
        assert sorted(_slugs(api_client.get("/api/v1/articles/?therapy=cbt"))) == ["family", "triggers"]

    def test_by_tag(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?tag=relapse")) == ["triggers"]

    def test_unknown_slug_filters_to_an_empty_list(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?program=nope")) == []

    def test_search_finds_words_in_the_body_and_stems_them(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?search=loved%20one")) == ["family"]

    def test_search_ranks_a_title_match_above_a_body_match(self, api_client, corpus):
        ArticleFactory(slug="body-only", body=[{"type": "paragraph", "children": [{"text": "about triggers"}]}])

        assert _slugs(api_client.get("/api/v1/articles/?search=triggers")) == ["triggers", "body-only"]

    def test_ordering(self, api_client, corpus):
        assert _slugs(api_client.get("/api/v1/articles/?ordering=title")) == ["family", "triggers"]
        assert _slugs(api_client.get("/api/v1/articles/?ordering=-reading_time_minutes")) == ["family", "triggers"]

    def test_an_ordering_naming_no_field_keeps_the_default_order(self, api_client, corpus):
        # Found by the contract fuzzing: `,` is two empty names, and django-filter dropped every order (a 500 in
        # tests, where Django's unordered-pagination warning is an error; pages in any order in production).
        response = api_client.get("/api/v1/articles/?ordering=,")

        assert response.status_code == 200
        assert _slugs(response) == _slugs(api_client.get("/api/v1/articles/")) == ["family", "triggers"]

    def test_unknown_ordering_is_a_400_problem(self, api_client, corpus):
        response = api_client.get("/api/v1/articles/?ordering=password")

        assert response.status_code == 400
        assert "ordering" in response.json()["errors"]


def test_programs_filter_by_level_of_care(api_client):
    ProgramFactory(slug="iop")
    ProgramFactory(slug="php", level_of_care="partial_hospitalization")

    assert _slugs(api_client.get("/api/v1/programs/?level_of_care=partial_hospitalization")) == ["php"]


def test_therapies_filter_by_program(api_client):
    cbt = TherapyFactory(slug="cbt")
    TherapyFactory(slug="art")
    ProgramFactory(slug="iop").therapies.add(cbt)

    assert _slugs(api_client.get("/api/v1/therapies/?program=iop")) == ["cbt"]


def test_faqs_filter_by_program_in_editor_order(api_client):
    iop = ProgramFactory(slug="iop")
    FAQFactory(question="Second?", order=2, program=iop)
    FAQFactory(question="First?", order=1, program=iop)
    FAQFactory(question="General?", order=0)

    response = api_client.get("/api/v1/faqs/?program=iop").json()

    assert [faq["question"] for faq in response["results"]] == ["First?", "Second?"]
    assert response["results"][0]["program"] == "iop"


def test_testimonials_show_only_consented_published_quotes_anonymous_by_default(api_client):
    TestimonialFactory(quote="Shown.")
    TestimonialFactory(quote="Draft.", status="draft")

    results = api_client.get("/api/v1/testimonials/").json()["results"]

    assert [(item["quote"], item["attribution"]) for item in results] == [("Shown.", "Anonymous")]


class TestPaginationAndSparseFields:
    def test_lists_paginate_with_count_and_links(self, api_client):
        ArticleFactory.create_batch(3)

        body = api_client.get("/api/v1/articles/?page_size=2").json()

        assert body["count"] == 3
        assert len(body["results"]) == 2
        assert body["next"] == "http://testserver/api/v1/articles/?lang=en&page=2&page_size=2"
        assert body["previous"] is None

    def test_page_links_keep_the_list_and_its_language_and_drop_parameters_the_list_ignores(self, api_client):
        ArticleFactory.create_batch(3)
        # Cached by the first request and served to the second: links must suit both, and neither's extras.
        first = api_client.get("/api/v1/articles/?page=2&page_size=1&utm_source=mail", HTTP_ACCEPT_LANGUAGE="es")
        second = api_client.get("/api/v1/articles/?page=2&page_size=1&lang=es&ref=partner")

        assert first.content == second.content
        body = second.json()
        assert body["next"] == "http://testserver/api/v1/articles/?lang=es&page=3&page_size=1"
        assert body["previous"] == "http://testserver/api/v1/articles/?lang=es&page_size=1"

    def test_page_links_name_the_host_that_was_asked(self, api_client):
        ArticleFactory.create_batch(2)
        api_client.get("/api/v1/articles/?page_size=1", HTTP_HOST="localhost")

        body = api_client.get("/api/v1/articles/?page_size=1", HTTP_HOST="127.0.0.1").json()

        assert body["next"].startswith("http://127.0.0.1/api/v1/articles/?")

    @pytest.mark.parametrize("query", ["page_size=0", "page_size=101", "page_size=ten", "page=-1"])
    def test_bad_paging_is_a_400_problem(self, api_client, query):
        response = api_client.get(f"/api/v1/articles/?{query}")

        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"

    def test_page_past_the_end_is_a_404_problem(self, api_client):
        response = api_client.get("/api/v1/articles/?page=9")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"

    def test_lists_leave_out_the_body_unless_asked(self, api_client):
        ArticleFactory()

        item = api_client.get("/api/v1/articles/").json()["results"][0]

        assert "body" not in item
        assert "body_html" not in item
        assert "json_ld" not in item
        assert {"slug", "title", "summary", "tags", "published_at"} <= set(item)

    def test_fields_selects_exactly_the_named_fields(self, api_client):
        ArticleFactory(slug="a")

        list_item = api_client.get("/api/v1/articles/?fields=slug,body_html").json()["results"][0]
        detail = api_client.get("/api/v1/articles/a/?fields=title").json()

        assert set(list_item) == {"slug", "body_html"}
        assert list_item["body_html"].startswith("<h2>")
        assert set(detail) == {"title"}

    def test_unknown_field_is_a_400_problem_naming_it(self, api_client):
        response = api_client.get("/api/v1/articles/?fields=slug,password")

        assert response.status_code == 400
        assert "password" in response.json()["errors"]["fields"][0]


@pytest.mark.parametrize(
    ("url", "factory"),
    [("/api/v1/articles/?fields=slug,title,tags,related_programs,related_therapies,body,json_ld", ArticleFactory),
     ("/api/v1/programs/?fields=slug,therapies,faqs,body,json_ld", ProgramFactory),
     ("/api/v1/therapies/?fields=slug,programs,body", TherapyFactory),
     ("/api/v1/faqs/", FAQFactory),
     ("/api/v1/testimonials/", TestimonialFactory)],
)  # fmt: skip
def test_uncached_list_queries_do_not_grow_with_page_size(api_client, settings, url, factory):
    settings.CONTENT_CACHE_ENABLED = False
    SiteProfileFactory()
    program, therapy, tag = ProgramFactory(slug="shared-program"), TherapyFactory(slug="shared"), TagFactory()
    for item in factory.create_batch(30):
        for relation, value in (("tags", tag), ("related_programs", program), ("related_therapies", therapy),
                                ("therapies", therapy)):  # fmt: skip
            if hasattr(item, relation):
                getattr(item, relation).add(value)

    counts = []
    for page_size in (2, 30):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(f"{url}&page_size={page_size}" if "?" in url else f"{url}?page_size={page_size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        counts.append(len(queries))

    assert counts[0] == counts[1], counts
    assert counts[0] <= 7, counts
