"""The editors' tool: every content page renders, actions publish through the services, bad bodies are refused."""

import pytest
from django.urls import reverse

from content.models import Article, PublicationStatus, Testimonial
from tests.factories import ArticleFactory, ProgramFactory, TestimonialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    ["program", "therapy", "article", "faq", "testimonial", "tag", "siteprofile", "redirect", "slughistory", "menu"],
)
def test_every_content_list_and_add_page_renders(editor_client, model):
    assert editor_client.get(reverse(f"admin:content_{model}_changelist") + "?q=therapy").status_code == 200
    assert editor_client.get(reverse(f"admin:content_{model}_add")).status_code in {200, 403}


def test_the_change_page_previews_the_rendered_body(editor_client):
    article = ArticleFactory(body=[{"type": "paragraph", "children": [{"text": "Preview me", "bold": True}]}])

    page = editor_client.get(reverse("admin:content_article_change", args=[article.pk])).content.decode()

    assert "<strong>Preview me</strong>" in page


def test_publish_and_unpublish_actions_go_through_the_services(editor_client):
    draft = ArticleFactory(status=PublicationStatus.DRAFT, publish_at=None)
    url = reverse("admin:content_article_changelist")

    editor_client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.PUBLISHED
    assert draft.publish_at is not None

    editor_client.post(url, {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.DRAFT


def test_publishing_a_sample_testimonial_is_refused_with_a_message(editor_client):
    sample = TestimonialFactory(status=PublicationStatus.DRAFT, is_sample=True)

    response = editor_client.post(
        reverse("admin:content_testimonial_changelist"),
        {"action": "publish", "_selected_action": [sample.pk]},
        follow=True,
    )

    assert Testimonial.objects.get(pk=sample.pk).status == PublicationStatus.DRAFT
    assert "not published" in response.content.decode()


def test_saving_an_invalid_body_in_the_admin_shows_where_and_changes_nothing(editor_client):
    program = ProgramFactory()
    article = ArticleFactory(title="Unchanged")
    form = {
        # Translated fields are edited per language (content/translation.py): `title_en`, `title_es`, …
        "title_en": "Changed",
        "slug": article.slug,
        "summary_en": "",
        "author": "",
        "status": "published",
        "publish_at_0": "2026-01-01",
        "publish_at_1": "09:00:00",
        # The block editor's fields: one block, a heading of a level the schema refuses.
        "body_en-count": "1",
        "body_en-0-type": "heading",
        "body_en-0-level": "1",
        "body_en-0-text": "H1",
        "related_programs": [program.pk],
        "seo_title_en": "",
        "seo_description_en": "",
        "canonical_path": "",
        "editor_notes": "",
    }

    response = editor_client.post(reverse("admin:content_article_change", args=[article.pk]), form)

    assert response.status_code == 200
    assert "Block 1: Heading: the heading level must be 2, 3 or 4." in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Unchanged"


@pytest.mark.parametrize("model", ["program", "therapy", "article", "faq", "testimonial", "tag", "siteprofile"])
def test_english_and_spanish_are_edited_side_by_side(editor_client, model):
    from content.models import SiteProfile

    SiteProfile.objects.get_or_create(id=1, defaults={"name": "Core Recovery", "phone": "+16029267729"})
    url = reverse(f"admin:content_{model}_add")
    if model == "siteprofile":
        url = reverse("admin:content_siteprofile_change", args=[1])
    page = editor_client.get(url).content.decode()

    first_field = {"program": "name", "therapy": "name", "article": "title", "faq": "question",
                   "testimonial": "quote", "tag": "name", "siteprofile": "licence_statement"}[model]  # fmt: skip
    # One form row holds both languages of the field (Django's admin renders a grouped line so).
    assert f'class="form-row field-{first_field}_en field-{first_field}_es' in page
