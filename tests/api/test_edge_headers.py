"""What the origin tells the edge: surrogate keys of what each content response shows, the edge's lifetimes,
and `private, no-store` without a surrogate header on everything that must never be shared."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api.caching_edge import MAX_KEYS_BYTES, response_keys
from content import preview
from content.crisis import CRISIS_RESOURCES
from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TagFactory,
    TherapyFactory,
)
from tests.leads.conftest import lead_body, make_key
from tests.notifications.conftest import make_partner

pytestmark = pytest.mark.django_db


def keys(response) -> set[str]:
    return set(response["Surrogate-Key"].split())


def test_an_article_names_itself_and_what_it_shows(api_client):
    program, therapy, tag = ProgramFactory(slug="iop"), TherapyFactory(slug="cbt"), TagFactory(slug="sleep")
    article = ArticleFactory(slug="a")
    article.related_programs.add(program)
    article.related_therapies.add(therapy)
    article.tags.add(tag)

    response = api_client.get("/api/v1/articles/a/")

    assert keys(response) == {
        f"article:{article.pk}",
        f"program:{program.pk}",
        f"therapy:{therapy.pk}",
        f"tag:{tag.pk}",
        "site",
        "content",
        "lang:en",
    }  # fmt: skip  (`site`: the JSON-LD names the organization from the site profile)
    assert "site" not in keys(api_client.get("/api/v1/articles/a/?fields=slug,title"))
    assert response["Cache-Tag"] == ",".join(sorted(keys(response)))
    assert response["Surrogate-Control"] == "max-age=3600, stale-while-revalidate=300, stale-if-error=86400"
    assert response["Cache-Control"] == (
        "public, max-age=60, s-maxage=3600, stale-while-revalidate=300, stale-if-error=86400"
    )


def test_a_program_carries_the_keys_of_its_therapies_and_faqs(api_client):
    therapy = TherapyFactory(slug="cbt")
    program = ProgramFactory(slug="iop")
    program.therapies.add(therapy)
    faq = FAQFactory(program=program)

    assert keys(api_client.get("/api/v1/programs/iop/")) >= {
        f"program:{program.pk}", f"therapy:{therapy.pk}", f"faq:{faq.pk}"
    }  # fmt: skip
    assert f"program:{program.pk}" in keys(api_client.get("/api/v1/faqs/"))  # a FAQ shows its program's slug


def test_a_list_names_its_kind_and_each_item_and_a_narrowed_list_says_so(api_client):
    first, second = ArticleFactory(slug="a"), ArticleFactory(slug="b")
    first.tags.add(TagFactory(slug="sleep"))

    plain = keys(api_client.get("/api/v1/articles/"))
    narrowed = keys(api_client.get("/api/v1/articles/?tag=sleep"))
    ordered = keys(api_client.get("/api/v1/articles/?ordering=title"))
    spanish = keys(api_client.get("/api/v1/articles/?page_size=1", HTTP_ACCEPT_LANGUAGE="es"))

    assert {"articles", f"article:{first.pk}", f"article:{second.pk}"} <= plain
    assert "articles:query" not in plain
    assert {"articles", "articles:query", f"article:{first.pk}"} <= narrowed
    assert f"article:{second.pk}" not in narrowed
    assert "articles:query" in ordered
    assert {"articles", "lang:es"} <= spanish
    assert "articles:query" not in spanish  # paging and language narrow nothing


def test_the_site_the_feeds_and_the_directory_have_keys_of_their_own(api_client):
    SiteProfileFactory(crisis_resources=CRISIS_RESOURCES)
    ProgramFactory(slug="iop")

    assert "site" in keys(api_client.get("/api/v1/site/"))
    assert "sitemap" in keys(api_client.get("/api/v1/sitemap/"))
    assert "redirects" in keys(api_client.get("/api/v1/redirects/"))
    assert "menus" in keys(api_client.get("/api/v1/menus/"))
    assert "insurance" in keys(api_client.get("/api/v1/insurance/"))
    assert "hsds" in keys(api_client.get("/hsds/services"))


def test_the_warm_path_answers_with_the_same_edge_headers(api_client):
    ArticleFactory(slug="a")
    names = ("Cache-Control", "Surrogate-Control", "Surrogate-Key", "Cache-Tag")

    first = api_client.get("/api/v1/articles/")
    second = api_client.get("/api/v1/articles/")  # answered by api.warm_reads
    revalidated = api_client.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert [second[name] for name in names] == [first[name] for name in names]
    assert revalidated.status_code == 304
    assert [revalidated[name] for name in names] == [first[name] for name in names]


def test_the_edge_keeps_no_page_past_the_next_scheduled_go_live(api_client):
    ArticleFactory(slug="now")
    ArticleFactory(slug="later", publish_at=timezone.now() + timedelta(seconds=90))

    control = api_client.get("/api/v1/articles/")["Surrogate-Control"]

    edge_ttl = int(control.split(",")[0].removeprefix("max-age="))
    assert 80 <= edge_ttl <= 90
    assert api_client.get("/api/v1/articles/")["Cache-Control"].startswith(f"public, max-age=60, s-maxage={edge_ttl}")


def test_a_page_with_too_many_keys_carries_coarse_ones_instead():
    many = [f"article:{number}" for number in range(1, MAX_KEYS_BYTES // 8)]

    coarse = response_keys(view_keys=["articles"], collected=[*many, "program:1"], lang="en")

    assert coarse == ("article:any", "articles", "content", "lang:en", "program:any")


def _never_shared(response) -> None:
    assert response["Cache-Control"] == "private, no-store"
    for name in ("Surrogate-Key", "Cache-Tag", "Surrogate-Control"):
        assert name not in response


def test_leads_referrals_keys_previews_and_the_admin_are_never_shared(api_client, client):
    ProgramFactory(slug="iop")
    draft = ArticleFactory(slug="draft", status="draft", publish_at=None)
    ArticleFactory(slug="a")
    partner_key = make_key(make_partner("Valley Clinic"), ["referrals:read", "referrals:write"]).key
    site_key = make_key(None, ["content:read"]).key

    _never_shared(api_client.post("/api/v1/leads/", lead_body(), format="json"))
    _never_shared(api_client.get("/api/v1/leads/form-token/"))
    _never_shared(api_client.get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Api-Key {partner_key}"))
    _never_shared(api_client.get("/api/v1/articles/a/", HTTP_AUTHORIZATION=f"Api-Key {site_key}"))
    _never_shared(api_client.get(f"/api/v1/articles/draft/?preview={preview.preview_token_create(item=draft)}"))
    _never_shared(client.get("/admin/login/"))
    _never_shared(api_client.get("/api/v1/articles/a/", HTTP_COOKIE="sessionid=abc"))
    assert "Surrogate-Key" in api_client.get("/api/v1/articles/a/")  # the same page, anonymous, is shared


def test_a_content_error_is_not_tagged(api_client):
    response = api_client.get("/api/v1/articles/missing/")

    assert response.status_code == 404
    assert "Surrogate-Key" not in response
    assert json.loads(response.content)["status"] == 404  # the VCL stores tagged responses only
