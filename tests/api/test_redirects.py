"""Slug history and redirects: an old slug of a live item answers 301 to its current path (one hop however many
renames), and `GET /api/v1/redirects/` lists every public-path redirect for a website to install at build time,
with the editors' own, never a chain or a loop."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content import services
from content.models import ContentEvent, PublicationStatus, Redirect
from tests.factories import ArticleFactory, ProgramFactory, TherapyFactory

pytestmark = pytest.mark.django_db


def _rename(item, slug: str):
    item.slug = slug
    return services.content_save(item=item)


def _redirect(old_path: str, new_path: str, **fields) -> Redirect:
    return services.redirect_save(redirect=Redirect(old_path=old_path, new_path=new_path, **fields))


def _listed(api_client) -> list[tuple[str, str, str]]:
    response = api_client.get("/api/v1/redirects/")
    assert response.status_code == 200, response.content
    return [(entry["old_path"], entry["new_path"], entry["source"]) for entry in response.json()["results"]]


def test_an_old_slug_answers_301_straight_to_the_current_path_through_several_renames(
    api_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(slug="first")
    with django_capture_on_commit_callbacks(execute=True):
        _rename(article, "second")
        _rename(article, "third")

    first = api_client.get("/api/v1/articles/first/?lang=es&fields=slug")
    second = api_client.get("/api/v1/articles/second/")

    assert first.status_code == second.status_code == 301
    assert first["Location"] == "http://testserver/api/v1/articles/third/?lang=es&fields=slug"
    assert second["Location"] == "http://testserver/api/v1/articles/third/"
    assert first["Content-Type"] == "application/problem+json"
    assert first.json()["code"] == "moved_permanently"
    assert first.json()["location"] == first["Location"]
    assert "`third`" in first.json()["detail"]
    assert api_client.get(second["Location"]).json()["slug"] == "third"


@pytest.mark.parametrize(("factory", "path"), [(ProgramFactory, "programs"), (TherapyFactory, "therapies")])
def test_programs_and_therapies_keep_their_old_slugs_too(api_client, factory, path):
    item = factory(slug="old")
    _rename(item, "new")

    response = api_client.get(f"/api/v1/{path}/old/")

    assert response.status_code == 301
    assert response["Location"].endswith(f"/api/v1/{path}/new/")


def test_going_back_to_an_old_slug_makes_no_loop(api_client):
    article = ArticleFactory(slug="a")
    _rename(article, "b")
    _rename(article, "a")

    assert api_client.get("/api/v1/articles/a/").status_code == 200
    assert api_client.get("/api/v1/articles/b/")["Location"].endswith("/api/v1/articles/a/")
    assert _listed(api_client) == [("/articles/b/", "/articles/a/", "slug_change")]


@pytest.mark.parametrize("service", [services.content_unpublish, services.content_archive])
def test_an_unpublished_or_archived_items_old_slugs_answer_404_like_the_item(api_client, service):
    article = ArticleFactory(slug="old")
    _rename(article, "new")
    assert api_client.get("/api/v1/articles/old/").status_code == 301

    service(item=article)

    old, current = api_client.get("/api/v1/articles/old/"), api_client.get("/api/v1/articles/new/")
    assert old.status_code == current.status_code == 404
    assert old.content == current.content
    assert _listed(api_client) == []


def test_a_slug_another_item_now_has_is_that_items(api_client):
    renamed = ArticleFactory(slug="shared")
    _rename(renamed, "renamed")
    ArticleFactory(slug="shared", title="The new holder")

    response = api_client.get("/api/v1/articles/shared/")

    assert response.status_code == 200
    assert response.json()["title"] == "The new holder"
    assert _listed(api_client) == []


def test_renaming_a_draft_keeps_no_old_slug(api_client):
    draft = ArticleFactory(slug="draft-slug", status=PublicationStatus.DRAFT, publish_at=None)
    _rename(draft, "final-slug")
    services.content_publish(item=draft)

    assert api_client.get("/api/v1/articles/draft-slug/").status_code == 404


def test_a_rename_announces_the_old_path_to_refresh(django_capture_on_commit_callbacks):
    article = ArticleFactory(slug="old")

    _rename(article, "new")

    event = ContentEvent.objects.filter(item_type="article", kind=ContentEvent.Kind.UPDATED).get()
    assert {"/articles/old/", "/articles/new/"} <= set(event.paths)


def test_the_redirects_list_has_slug_changes_and_the_editors_redirects_without_chains(api_client):
    article = ArticleFactory(slug="what-is-iop")
    _redirect("/blog/iop.html", "/articles/what-is-iop/", permanent=False)
    _rename(article, "iop-explained")  # the editor's redirect now points at an old slug: collapsed
    _redirect("/old-site/donate", "https://donate.example.org/", is_external=True)

    body = api_client.get("/api/v1/redirects/").json()

    assert body["count"] == 3
    assert body["results"] == [
        {
            "old_path": "/articles/what-is-iop/",
            "new_path": "/articles/iop-explained/",
            "permanent": True,
            "external": False,
            "source": "slug_change",
        },
        {
            "old_path": "/blog/iop.html",
            "new_path": "/articles/iop-explained/",
            "permanent": False,
            "external": False,
            "source": "manual",
        },
        {
            "old_path": "/old-site/donate",
            "new_path": "https://donate.example.org/",
            "permanent": True,
            "external": True,
            "source": "manual",
        },
    ]


@pytest.mark.parametrize(
    ("old_path", "new_path", "field"),
    [
        ("/b", "/a", "new_path"),  # a loop: /a → /b → /a
        ("/b", "/c", "old_path"),  # a chain: /a → /b → /c
        ("/z", "/a", "new_path"),  # a chain: /z → /a → /b
        ("/same", "/same", "new_path"),  # to itself
        ("/away", "https://elsewhere.example.org/", "new_path"),  # off the site, not marked external
        ("/away", "//elsewhere.example.org/", "new_path"),  # protocol-relative is off the site too
        ("relative", "/a", "old_path"),
    ],
)
def test_redirects_that_would_loop_chain_or_leave_the_site_unmarked_are_refused(old_path, new_path, field):
    _redirect("/a", "/b")

    with pytest.raises(ValidationError) as refused:
        _redirect(old_path, new_path)

    assert field in refused.value.message_dict
    assert Redirect.objects.count() == 1


def test_a_redirect_to_an_old_slug_or_from_one_is_refused_with_the_current_path():
    _rename(ArticleFactory(slug="old"), "new")

    with pytest.raises(ValidationError) as to_old:
        _redirect("/blog/x.html", "/articles/old/")
    with pytest.raises(ValidationError) as from_old:
        _redirect("/articles/old/", "/articles/elsewhere/")

    assert "/articles/new/" in to_old.value.message_dict["new_path"][0]
    assert "/articles/new/" in from_old.value.message_dict["old_path"][0]


def test_the_database_refuses_a_redirect_off_the_site_not_marked_external():
    with pytest.raises(IntegrityError), transaction.atomic():
        Redirect.objects.create(old_path="/a", new_path="https://elsewhere.example.org/")


def test_a_new_redirect_is_announced_with_its_old_path():
    redirect = _redirect("/blog/iop.html", "/programs/iop/")

    event = ContentEvent.objects.get(item_type="redirect")
    assert event.kind == ContentEvent.Kind.PUBLISHED
    assert event.item_id == redirect.pk
    assert event.paths == ["/blog/iop.html"]


def test_the_redirects_list_is_cached_changes_with_a_new_redirect_and_costs_constant_queries(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _rename(ArticleFactory(slug="a1"), "a2")
        _redirect("/one", "/programs/iop/")
    with CaptureQueriesContext(connection) as few:
        first = api_client.get("/api/v1/redirects/")
    assert api_client.get("/api/v1/redirects/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert first["Content-Language"] == "en"
    assert "Accept-Language" in first["Vary"]

    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            _rename(ProgramFactory(slug=f"p{number}"), f"program-{number}")
            _rename(TherapyFactory(slug=f"t{number}"), f"therapy-{number}")
            _redirect(f"/old-{number}", "/programs/iop/")
    with CaptureQueriesContext(connection) as many:
        second = api_client.get("/api/v1/redirects/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second.json()["count"] == 2 + 15
    assert len(many) == len(few)


def test_the_admin_refuses_a_loop_on_the_form_and_records_who_added_a_redirect(client, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(editor)
    url = reverse("admin:content_redirect_add")
    form = {"old_path": "/a", "new_path": "/b", "permanent": "on"}

    added = client.post(url, form)
    looped = client.post(url, {**form, "old_path": "/b", "new_path": "/a"})

    assert added.status_code == 302
    assert Redirect.objects.get().created_by == editor
    assert looped.status_code == 200
    assert "would loop" in looped.content.decode()
    assert Redirect.objects.count() == 1
