"""Spanish content: `?lang=es` or Accept-Language, English where no Spanish is written (and said so),
Content-Language and Vary, and each language cached apart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content import preview, services
from content.crisis import CRISIS_RESOURCES_ES
from content.models import Article, PublicationStatus, SiteProfile
from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TagFactory,
    TestimonialFactory,
    TherapyFactory,
    paragraph,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    """Title and body in Spanish; summary and SEO description only in English."""
    return ArticleFactory(
        slug="a",
        title="Coping with anxiety",
        title_es="Cómo afrontar la ansiedad",
        summary="Practical steps.",
        seo_description="Anxiety: practical steps.",
        body=[paragraph("Breathing helps.")],
        body_es=[paragraph("La respiración ayuda."), {"type": "crisis_resources"}],
    )


def test_spanish_where_it_exists_english_otherwise_and_the_fallbacks_named(api_client, article):
    response = api_client.get("/api/v1/articles/a/?lang=es")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Cómo afrontar la ansiedad"
    assert body["body"][0]["children"][0]["text"] == "La respiración ayuda."
    assert body["body_html"].startswith("<p>La respiración ayuda.</p>")
    assert body["summary"] == "Practical steps."
    assert body["seo"]["description"] == "Anxiety: practical steps."
    assert body["language"] == "es"
    assert body["fallback_fields"] == ["summary", "seo"]
    assert body["json_ld"]["inLanguage"] == "es"
    assert body["json_ld"]["headline"] == "Cómo afrontar la ansiedad"


def test_english_is_unchanged_and_has_no_fallbacks(api_client, article):
    body = api_client.get("/api/v1/articles/a/").json()

    assert body["title"] == "Coping with anxiety"
    assert body["body_html"] == "<p>Breathing helps.</p>"
    assert body["language"] == "en"
    assert body["fallback_fields"] == []
    assert body["json_ld"]["inLanguage"] == "en"


def test_an_item_with_no_spanish_at_all_is_english_with_every_text_field_named(api_client):
    ArticleFactory(slug="b", title="Only English", summary="Summary.", body=[paragraph("Words.")])

    body = api_client.get("/api/v1/articles/b/?lang=es").json()

    assert body["title"] == "Only English"
    assert body["body"][0]["children"][0]["text"] == "Words."
    assert body["fallback_fields"] == ["title", "summary", "body", "body_html"]


def test_the_spanish_body_renders_the_crisis_block_in_spanish_and_is_derived_on_save(article):
    article.refresh_from_db()

    assert "988" in article.body_html_es
    assert "opción 2" in article.body_html_es
    assert "Llamar al 911" in article.body_html_es
    assert article.body_text_es.startswith("La respiración ayuda.")
    assert article.body_html_en == "<p>Breathing helps.</p>"
    assert article.body_text_en == "Breathing helps."


def test_removing_the_spanish_body_falls_back_to_english_again(api_client, article):
    article.body_es = None
    services.content_save(item=article)

    body = api_client.get("/api/v1/articles/a/?lang=es").json()

    assert body["body_html"] == "<p>Breathing helps.</p>"
    assert "body" in body["fallback_fields"]


class TestNegotiation:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("es-MX;q=0.9, en;q=0.8", "es"),
            ("es", "es"),
            ("fr-CA, es;q=0.5", "es"),
            ("en-US,en;q=0.9,es;q=0.8", "en"),
            ("fr", "en"),
            ("es;q=0, en;q=0.1", "en"),
            ("*", "en"),
            ("not a ; valid === header", "en"),
        ],
    )
    def test_accept_language_with_quality_values(self, api_client, article, header, expected):
        response = api_client.get("/api/v1/articles/a/", HTTP_ACCEPT_LANGUAGE=header)

        assert response.status_code == 200
        assert response["Content-Language"] == expected
        assert response.json()["language"] == expected

    def test_the_lang_parameter_wins_over_the_header(self, api_client, article):
        response = api_client.get("/api/v1/articles/a/?lang=en", HTTP_ACCEPT_LANGUAGE="es")

        assert response["Content-Language"] == "en"
        assert response.json()["title"] == "Coping with anxiety"

    @pytest.mark.parametrize("url", ["/api/v1/articles/a/?lang=fr", "/api/v1/articles/?lang=", "/api/v1/site/?lang=de"])
    def test_an_unsupported_lang_parameter_is_a_400_problem(self, api_client, article, url):
        SiteProfileFactory()

        response = api_client.get(url)

        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
        assert response.json()["errors"]["lang"] == ["Use one of: en, es."]

    def test_an_unsupported_lang_is_refused_even_when_a_response_is_cached(self, api_client, article):
        api_client.get("/api/v1/articles/a/")
        api_client.get("/api/v1/articles/a/")

        assert api_client.get("/api/v1/articles/a/?lang=fr").status_code == 400


class TestHeadersAndCaching:
    def test_content_language_and_vary_on_every_content_response(self, api_client, article):
        SiteProfileFactory()
        for url in ("/api/v1/articles/", "/api/v1/articles/a/", "/api/v1/site/", "/api/v1/faqs/"):
            for lang in ("en", "es"):
                for attempt in ("cold", "warm"):
                    response = api_client.get(f"{url}?lang={lang}")
                    assert response.status_code == 200, (url, attempt)
                    assert response["Content-Language"] == lang, (url, attempt)
                    vary = {value.strip().lower() for value in response["Vary"].split(",")}
                    assert {"accept-language", "content-preview-token"} <= vary, (url, attempt)

    def test_vary_keeps_cors_origin(self, api_client, article, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://www.example.org"]

        response = api_client.get("/api/v1/articles/a/", HTTP_ORIGIN="https://www.example.org")

        vary = {value.strip().lower() for value in response["Vary"].split(",")}
        assert {"accept-language", "origin"} <= vary
        assert "Content-Language" in response["Access-Control-Expose-Headers"]

    def test_each_language_is_cached_apart(self, api_client, article):
        english = api_client.get("/api/v1/articles/a/")
        spanish = api_client.get("/api/v1/articles/a/?lang=es")

        with CaptureQueriesContext(connection) as queries:
            english_again = api_client.get("/api/v1/articles/a/")
            spanish_again = api_client.get("/api/v1/articles/a/", HTTP_ACCEPT_LANGUAGE="es-MX")
        assert len(queries) == 0  # both from the cache; the header and ?lang=es share one entry

        assert english_again.content == english.content
        assert spanish_again.content == spanish.content
        assert spanish.json()["title"] == "Cómo afrontar la ansiedad"
        assert english_again.json()["title"] == "Coping with anxiety"
        assert spanish_again["Content-Language"] == "es"
        assert english["ETag"] != spanish["ETag"]

    def test_an_etag_from_one_language_does_not_revalidate_the_other(self, api_client, article):
        english = api_client.get("/api/v1/articles/a/")

        same = api_client.get("/api/v1/articles/a/", HTTP_IF_NONE_MATCH=english["ETag"])
        other = api_client.get("/api/v1/articles/a/?lang=es", HTTP_IF_NONE_MATCH=english["ETag"])

        assert same.status_code == 304
        assert other.status_code == 200
        assert other.json()["language"] == "es"

    def test_a_spanish_edit_is_visible_at_once(self, api_client, article, django_capture_on_commit_callbacks):
        assert api_client.get("/api/v1/articles/a/?lang=es").json()["summary"] == "Practical steps."

        with django_capture_on_commit_callbacks(execute=True):
            article.summary_es = "Pasos prácticos."
            services.content_save(item=article)

        body = api_client.get("/api/v1/articles/a/?lang=es").json()
        assert body["summary"] == "Pasos prácticos."
        assert body["fallback_fields"] == ["seo"]


class TestRelatedAndLists:
    def test_related_items_are_in_the_requested_language_with_fallback(self, api_client):
        therapy = TherapyFactory(
            slug="cbt", name="Cognitive behavioral therapy", name_es="Terapia cognitivo-conductual"
        )
        plain = TherapyFactory(slug="mi", name="Motivational interviewing", abbreviation="MI")
        program = ProgramFactory(slug="iop", name="Intensive Outpatient Program", name_es="Programa intensivo")
        program.therapies.set([therapy, plain])
        article = ArticleFactory(slug="a")
        article.related_programs.set([program])
        article.tags.set([TagFactory(slug="anxiety", name="Anxiety", name_es="Ansiedad")])

        program_body = api_client.get("/api/v1/programs/iop/?lang=es").json()
        article_body = api_client.get("/api/v1/articles/a/?lang=es").json()
        therapy_body = api_client.get("/api/v1/therapies/cbt/?lang=es").json()

        assert program_body["name"] == "Programa intensivo"
        assert {ref["slug"]: ref["name"] for ref in program_body["therapies"]} == {
            "cbt": "Terapia cognitivo-conductual",
            "mi": "Motivational interviewing",
        }
        assert {ref["slug"]: ref["abbreviation"] for ref in program_body["therapies"]} == {"cbt": "", "mi": "MI"}
        assert article_body["related_programs"][0]["name"] == "Programa intensivo"
        assert article_body["tags"] == [{"slug": "anxiety", "name": "Ansiedad"}]
        assert therapy_body["programs"][0]["name"] == "Programa intensivo"
        english = api_client.get("/api/v1/articles/a/").json()
        assert english["tags"] == [{"slug": "anxiety", "name": "Anxiety"}]

    def test_faqs_and_testimonials_in_spanish(self, api_client):
        FAQFactory(question="How long?", question_es="¿Cuánto dura?", answer="Weeks.")
        TestimonialFactory(quote="It helped.", quote_es="Me ayudó.")

        faq = api_client.get("/api/v1/faqs/?lang=es").json()["results"][0]
        testimonial = api_client.get("/api/v1/testimonials/?lang=es").json()["results"][0]

        assert (faq["question"], faq["answer"], faq["fallback_fields"]) == ("¿Cuánto dura?", "Weeks.", ["answer"])
        assert (testimonial["quote"], testimonial["fallback_fields"]) == ("Me ayudó.", [])

    def test_sparse_fieldsets_leave_the_language_fields_out_unless_named(self, api_client, article):
        lean = api_client.get("/api/v1/articles/?lang=es&fields=slug,title").json()["results"][0]
        named = api_client.get("/api/v1/articles/?lang=es&fields=slug,summary,fallback_fields").json()["results"][0]

        assert set(lean) == {"slug", "title"}
        assert named["fallback_fields"] == ["summary"]

    def test_spanish_search_uses_spanish_text_and_stemming(self, api_client, article):
        ArticleFactory(slug="other", title="Family therapy", body=[paragraph("Support at home.")])

        spanish = api_client.get("/api/v1/articles/?lang=es&search=respiraciones").json()["results"]
        english = api_client.get("/api/v1/articles/?search=breathing").json()["results"]
        english_word_in_spanish = api_client.get("/api/v1/articles/?lang=es&search=family").json()["results"]

        assert [item["slug"] for item in spanish] == ["a"]
        assert [item["slug"] for item in english] == ["a"]
        # "other" has no Spanish: its English text is what a Spanish reader sees, so it is searched.
        assert [item["slug"] for item in english_word_in_spanish] == ["other"]

    @pytest.mark.parametrize(
        "url", ["/api/v1/articles/?fields=slug,title,tags,related_programs,body,body_html,fallback_fields"]
    )
    def test_uncached_spanish_list_queries_do_not_grow_with_page_size(self, api_client, settings, url):
        settings.CONTENT_CACHE_ENABLED = False
        tag, program = TagFactory(name_es="Etiqueta"), ProgramFactory(name_es="Programa")
        for item in ArticleFactory.create_batch(12, title_es="Título"):
            item.tags.add(tag)
            item.related_programs.add(program)

        counts = []
        for page_size in (2, 12):
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(f"{url}&page_size={page_size}&lang=es")
            assert len(response.json()["results"]) == page_size
            counts.append(len(queries))

        assert counts[0] == counts[1] <= 5, counts

    def test_spanish_never_loads_columns_it_does_not_show(self, api_client, settings, article):
        settings.CONTENT_CACHE_ENABLED = False

        with CaptureQueriesContext(connection) as queries:
            api_client.get("/api/v1/articles/?lang=en&fields=slug,title,body")
        english_sql = " ".join(query["sql"] for query in queries.captured_queries)

        assert '"body_json_en"' in english_sql
        for column in ('"body_json_es"', '"title_es"', '"body_html_en"', '"body_json",', '"body_text_en"'):
            assert column not in english_sql, column


class TestSiteProfile:
    def test_the_crisis_resources_and_call_to_action_exist_in_spanish(self, api_client):
        from content.seeding import seed_content

        seed_content()

        spanish = api_client.get("/api/v1/site/?lang=es").json()
        english = api_client.get("/api/v1/site/").json()

        assert spanish["crisis_resources"] == CRISIS_RESOURCES_ES
        assert {resource["phone"] for resource in spanish["crisis_resources"]} == {"988", "911"}
        assert "opción 2" in spanish["crisis_resources"][0]["description"]
        assert spanish["calls_to_action"][0]["label"] == "Llame al 602-926-7729"
        assert spanish["licence_statement"] == english["licence_statement"]  # not translated: English
        assert spanish["fallback_fields"] == ["licence_statement", "seo"]
        assert english["crisis_resources"][0]["description"].startswith("Call or text 988")
        assert english["fallback_fields"] == []

    def test_the_seed_adds_the_spanish_to_an_existing_profile_once_and_never_over_an_editors(self):
        from content.seeding import seed_content

        SiteProfileFactory()
        seed_content()
        assert SiteProfile.objects.get().crisis_resources_es == CRISIS_RESOURCES_ES

        SiteProfile.objects.update(calls_to_action_es=[{"text": "Editado", "label": "Llame", "href": "tel:+1"}])
        seed_content()

        profile = SiteProfile.objects.get()
        assert profile.calls_to_action_es[0]["text"] == "Editado"
        assert profile.crisis_resources_es == CRISIS_RESOURCES_ES


def test_a_preview_in_spanish(api_client):
    draft = ArticleFactory(slug="d", title_es="Borrador", status=PublicationStatus.DRAFT, publish_at=None)
    token = preview.preview_token_create(item=draft)

    response = api_client.get(f"/api/v1/articles/d/?preview={token}", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["title"] == "Borrador"


def test_the_admin_edits_both_languages_and_derives_the_spanish_body(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    article = ArticleFactory(title="English title")
    url = reverse("admin:content_article_change", args=[article.pk])

    page = client.get(url).content.decode()
    assert 'name="title_en"' in page
    assert 'name="title_es"' in page
    assert 'name="body_es-count"' in page

    form = {
        "title_en": "English title",
        "title_es": "Título en español",
        "slug": article.slug,
        "status": "published",
        "publish_at_0": "2026-01-01",
        "publish_at_1": "09:00:00",
        # The block editor's fields (content/forms.py): one paragraph in each language.
        "body_en-count": "1",
        "body_en-0-type": "paragraph",
        "body_en-0-text": "Hello",
        "body_es-count": "1",
        "body_es-0-type": "paragraph",
        "body_es-0-text": "Hola",
        "attribution_en": "",
        "canonical_path": "",
        "editor_notes": "",
        "author": "",
    }
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Article.objects.get(pk=article.pk)
    assert (saved.title_en, saved.title_es) == ("English title", "Título en español")
    assert saved.body_html_es == "<p>Hola</p>"
    assert saved.body_html_en == "<p>Hello</p>"
    assert "Español" in client.get(url).content.decode()  # the body preview shows both
