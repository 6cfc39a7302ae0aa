"""Draft previews: a signed, expiring token opens one item in its saved state, never cached, never without it."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.caching import local_responses
from content import preview, services
from content.models import PublicationStatus, SiteProfile
from tests.factories import ArticleFactory, ProgramFactory, SiteProfileFactory, TherapyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return ArticleFactory(slug="draft", title="Draft title", status=PublicationStatus.DRAFT, publish_at=None)


def test_a_valid_token_shows_the_draft_marked_as_a_preview_and_never_stored(api_client, draft):
    token = preview.preview_token_create(item=draft)

    response = api_client.get(f"/api/v1/articles/draft/?preview={token}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Draft title"
    assert body["published_at"] is None
    assert body["body"]  # the full detail, body included
    assert response["X-Content-Preview"] == "true"
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
    assert "Last-Modified" not in response


def test_the_token_is_accepted_as_a_header_too(api_client, draft):
    token = preview.preview_token_create(item=draft)

    response = api_client.get("/api/v1/articles/draft/", HTTP_CONTENT_PREVIEW_TOKEN=token)

    assert response.status_code == 200
    assert response.json()["title"] == "Draft title"
    assert response["X-Content-Preview"] == "true"


def test_without_the_token_a_draft_is_a_404_as_before(api_client, draft):
    assert api_client.get("/api/v1/articles/draft/").status_code == 404


def test_a_scheduled_item_and_unsaved_changes_of_a_live_one_show_in_their_saved_state(api_client):
    scheduled = ProgramFactory(slug="php", name="Coming soon", publish_at=None, status=PublicationStatus.DRAFT)
    services.content_publish(item=scheduled, publish_at=scheduled.created_at + timedelta(days=30))
    token = preview.preview_token_create(item=scheduled)

    assert api_client.get("/api/v1/programs/php/").status_code == 404
    response = api_client.get(f"/api/v1/programs/php/?preview={token}")
    assert response.status_code == 200
    assert response.json()["name"] == "Coming soon"


def test_an_expired_token_is_a_403_problem_and_not_the_published_version(api_client, settings):
    article = ArticleFactory(slug="live", title="Published title")
    token = preview.preview_token_create(item=article)
    settings.CONTENT_PREVIEW_MAX_AGE = -1  # every token is past its age

    response = api_client.get(f"/api/v1/articles/live/?preview={token}")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "preview_token_expired"
    assert response.json()["type"] == "urn:corerecovery:problem:preview_token_expired"
    assert "Published title" not in response.content.decode()


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t])
def test_a_tampered_token_is_a_403_problem(api_client, draft, mangle):
    token = mangle(preview.preview_token_create(item=draft))

    response = api_client.get(f"/api/v1/articles/draft/?preview={token}")

    assert response.status_code == 403
    assert response.json()["code"] == "preview_token_invalid"


def test_an_empty_token_is_refused_not_ignored(api_client):
    ArticleFactory(slug="live")

    response = api_client.get("/api/v1/articles/live/?preview=")

    assert response.status_code == 403
    assert response.json()["code"] == "preview_token_invalid"


def test_a_bad_token_answers_the_same_whether_or_not_the_item_exists(api_client, draft):
    existing = api_client.get("/api/v1/articles/draft/?preview=nope")
    missing = api_client.get("/api/v1/articles/no-such-article/?preview=nope")

    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


def test_a_token_for_one_item_does_not_open_another(api_client, draft):
    other = ArticleFactory(slug="other-draft", status=PublicationStatus.DRAFT, publish_at=None)
    token = preview.preview_token_create(item=draft)

    response = api_client.get(f"/api/v1/articles/{other.slug}/?preview={token}")

    assert response.status_code == 404


def test_a_token_for_one_type_does_not_open_an_item_of_another_type_with_the_same_id(api_client):
    therapy = TherapyFactory(slug="t", status=PublicationStatus.DRAFT, publish_at=None)
    program = ProgramFactory(slug="p", status=PublicationStatus.DRAFT, publish_at=None)
    # Force the same primary key on both, so only the type in the token tells them apart.
    type(program).objects.filter(pk=program.pk).update(id=therapy.pk)
    token = preview.preview_token_create(item=therapy)

    response = api_client.get(f"/api/v1/programs/p/?preview={token}")

    assert response.status_code == 403
    assert response.json()["code"] == "preview_token_invalid"


def test_a_token_signed_for_another_purpose_is_refused(api_client, draft):
    token = signing.dumps({"type": "articles", "id": draft.pk}, salt="leads.ack")

    assert api_client.get(f"/api/v1/articles/draft/?preview={token}").status_code == 403


def test_a_preview_is_never_cached_nor_served_from_the_cache(api_client):
    article = ArticleFactory(slug="a", title="Published")
    api_client.get("/api/v1/articles/a/")
    api_client.get("/api/v1/articles/a/")  # now stored
    # A change that does not draw a new content version (a queryset update sends no signal): the stored
    # page stays current for the public, so only a preview that skips the cache can show the change.
    type(article).objects.filter(pk=article.pk).update(title="Draft change")
    token = preview.preview_token_create(item=article)

    with CaptureQueriesContext(connection) as queries:
        previewed = api_client.get(f"/api/v1/articles/a/?preview={token}")
    assert len(queries) > 0  # rendered from the database, not the stored page
    public = api_client.get("/api/v1/articles/a/")

    assert previewed.json()["title"] == "Draft change"
    assert public.json()["title"] == "Published"  # the stored public page is untouched
    assert all(b"Draft change" not in entry["body"] for entry in local_responses._entries.values())


def test_the_preview_is_not_left_in_any_cache_for_a_request_without_the_token(api_client, draft):
    token = preview.preview_token_create(item=draft)
    assert api_client.get(f"/api/v1/articles/draft/?preview={token}").status_code == 200

    assert api_client.get("/api/v1/articles/draft/").status_code == 404
    assert api_client.get("/api/v1/articles/draft/?utm_source=x").status_code == 404


def test_lists_never_show_drafts_even_with_a_token(api_client, draft):
    token = preview.preview_token_create(item=draft)

    assert api_client.get(f"/api/v1/articles/?preview={token}").json()["count"] == 0


@pytest.mark.parametrize(
    "pattern",
    [
        "https://www.example.org/preview?slug={slug}",  # no token
        "https://www.example.org/preview?t={token}&x={other}",
        "https://www.example.org/preview?t={token.__class__}",
        "javascript:alert(1)//{token}",
        "https://www.example.org/preview?t={token",
    ],
)
def test_the_site_profiles_preview_url_pattern_is_validated(pattern):
    profile = SiteProfileFactory.build(preview_url_pattern=pattern)

    with pytest.raises(ValidationError) as error:
        profile.full_clean()

    assert "preview_url_pattern" in error.value.message_dict


class TestAdminLinks:
    @pytest.fixture
    def editor_client(self, client, django_user_model):
        user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        client.force_login(user)
        return client

    def test_the_change_page_links_to_the_website_preview_and_the_api_preview(self, editor_client, api_client, draft):
        SiteProfileFactory(preview_url_pattern="https://www.example.org/api/preview?type={type}&slug={slug}&t={token}")

        page = editor_client.get(reverse("admin:content_article_change", args=[draft.pk])).content.decode()

        assert "Preview on the website" in page
        assert "https://www.example.org/api/preview?type=articles&amp;slug=draft&amp;t=" in page
        api_link = page.split('href="/api/v1/articles/draft/?preview=')[1].split('"')[0]
        response = api_client.get(f"/api/v1/articles/draft/?preview={api_link}")
        assert response.status_code == 200
        assert response.json()["title"] == "Draft title"

    def test_a_pattern_with_lang_gets_a_spanish_preview_link_too(self, editor_client, draft):
        SiteProfileFactory(preview_url_pattern="https://www.example.org/{lang}/preview/{type}/{slug}?t={token}")

        page = editor_client.get(reverse("admin:content_article_change", args=[draft.pk])).content.decode()

        assert 'href="https://www.example.org/en/preview/articles/draft?t=' in page
        assert 'href="https://www.example.org/es/preview/articles/draft?t=' in page
        assert "Vista previa en español" in page

    def test_without_a_pattern_the_page_says_how_to_set_one(self, editor_client, draft):
        SiteProfileFactory()
        assert SiteProfile.objects.get().preview_url_pattern == ""

        page = editor_client.get(reverse("admin:content_article_change", args=[draft.pk])).content.decode()

        assert "Set a preview URL pattern in the site profile" in page
        assert "Preview the API response" in page


def test_a_browser_may_send_the_token_header_from_an_allowed_origin(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.org"]

    response = api_client.options(
        "/api/v1/articles/a/",
        HTTP_ORIGIN="https://www.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-preview-token",
    )

    assert "content-preview-token" in response["Access-Control-Allow-Headers"]


def test_changing_the_secret_key_revokes_every_preview_link(api_client, draft, settings):
    token = preview.preview_token_create(item=draft)
    assert api_client.get(f"/api/v1/articles/draft/?preview={token}").status_code == 200

    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    response = api_client.get(f"/api/v1/articles/draft/?preview={token}")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "Draft title" not in response.content.decode()
