"""Purging the edge from the content outbox: which keys, recorded once, batched, retried, alerted; and the
Fastly and Cloudflare backends through their official SDKs against a local fake of each API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from content import services
from content.models import ContentEvent, Menu, MenuItem, SiteProfile
from notifications import edge, tasks
from notifications.edge_backends import LocmemEdgeBackend, PermanentPurgeError, TransientPurgeError, edge_backend
from notifications.models import EdgePurge, Recipient, StaffGroup
from tests.factories import ArticleFactory, ProgramFactory, SiteProfileFactory, TherapyFactory
from tests.notifications.edge_fakes import purge_api  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

FEEDS = {"sitemap", "redirects", "hsds"}


@pytest.fixture
def locmem_edge(settings):
    settings.EDGE_BACKEND = "locmem"
    LocmemEdgeBackend.purged.clear()
    LocmemEdgeBackend.fail_with.clear()
    yield LocmemEdgeBackend
    LocmemEdgeBackend.purged.clear()
    LocmemEdgeBackend.fail_with.clear()


def route_latest() -> EdgePurge:
    event = ContentEvent.objects.latest("id")
    tasks.route_content_event(event.pk)
    return EdgePurge.objects.get(source=f"content:{event.pk}")


def test_publishing_an_article_purges_its_key_every_article_list_and_the_feeds(locmem_edge):
    article = ArticleFactory(slug="new")

    purge = route_latest()

    assert set(purge.keys) == {f"article:{article.pk}", "article:any", "articles", "media", *FEEDS}  # media: its list
    assert purge.status == EdgePurge.Status.PURGED
    assert purge.attempts == 1
    assert purge.requests == 1
    assert purge.duration_ms is not None
    assert locmem_edge.purged == [(purge.keys, False)]


def test_an_edit_purges_the_narrowed_lists_and_leaves_the_plain_ones(locmem_edge):
    article = ArticleFactory(slug="a")
    route_latest()
    article.title = "Changed"
    services.content_save(item=article)

    keys = set(route_latest().keys)

    assert {f"article:{article.pk}", "articles:query"} <= keys
    assert "articles" not in keys


def test_a_programs_change_purges_the_pages_of_its_therapies_and_the_insurance_list(locmem_edge):
    therapy = TherapyFactory(slug="cbt")
    program = ProgramFactory(slug="iop")
    program.therapies.add(therapy)
    services.content_save(item=program)

    keys = set(route_latest().keys)

    assert {f"program:{program.pk}", f"therapy:{therapy.pk}", "insurance", "programs:query"} <= keys
    # `?program=iop` lists change with the program's slug or status even when none of their items does.
    assert {"articles:query", "faqs:query", "testimonials:query", "therapies:query"} <= keys


def test_an_item_a_menu_links_to_purges_the_menus(locmem_edge):
    article = ArticleFactory(slug="a")
    menu = services.menu_save(menu=Menu(name="Header", slug="header"))
    services.menu_items_save(menu=menu, items=[MenuItem(menu=menu, label="A", article=article, order=1)])
    article.title = "Renamed"
    services.content_save(item=article)

    assert "menus" in route_latest().keys


def test_the_site_menus_and_redirects_purge_their_own_pages(locmem_edge):
    SiteProfileFactory()
    services.site_profile_save(profile=SiteProfile.objects.get())
    assert set(route_latest().keys) == {"site", "site:1", "hsds", "sitemap"}
    services.menu_save(menu=Menu(name="Header", slug="header"))
    assert route_latest().keys == ["menus"]


def test_routing_twice_records_one_purge_and_no_edge_records_none(locmem_edge, settings):
    ArticleFactory(slug="a")
    event = ContentEvent.objects.latest("id")
    tasks.route_content_event(event.pk)
    tasks.route_content_event(event.pk)
    assert EdgePurge.objects.count() == 1
    assert len(locmem_edge.purged) == 1

    settings.EDGE_BACKEND = "none"
    ArticleFactory(slug="b")
    tasks.route_content_event(ContentEvent.objects.latest("id").pk)
    assert EdgePurge.objects.count() == 1


def test_keys_go_in_batches_within_the_backends_limit(locmem_edge):
    purge = edge.edge_purge_request(keys=[f"article:{number}" for number in range(250)])

    assert edge.edge_purge_run(purge_id=purge.pk).status == "purged"

    assert [len(keys) for keys, _ in locmem_edge.purged] == [100, 100, 50]
    purge.refresh_from_db()
    assert purge.requests == 3
    assert purge.objects_purged == 250


def test_a_soft_purge_is_asked_for_when_configured(locmem_edge, settings):
    settings.EDGE_SOFT_PURGE = True
    purge = edge.edge_purge_request(keys=["article:1"])
    edge.edge_purge_run(purge_id=purge.pk)
    assert locmem_edge.purged == [(["article:1"], True)]


def test_a_transient_failure_is_retried_with_backoff_then_purged(locmem_edge):
    locmem_edge.fail_with.append(TransientPurgeError("varnish answered 503"))
    purge = edge.edge_purge_request(keys=["article:1"])
    now = timezone.now()

    first = edge.edge_purge_run(purge_id=purge.pk, now=now)
    purge.refresh_from_db()
    assert first.status == "retrying"
    assert purge.last_error == "transient: varnish answered 503"
    assert 1.5 < first.retry_in < 2.5
    assert edge.edge_purge_run(purge_id=purge.pk, now=now).status == "skipped"  # not due yet
    assert edge.edge_purges_sweep(now=now) == []
    assert edge.edge_purges_sweep(now=purge.next_attempt_at) == [purge.pk]

    assert edge.edge_purge_run(purge_id=purge.pk, now=purge.next_attempt_at).status == "purged"
    purge.refresh_from_db()
    assert (purge.status, purge.attempts, purge.last_error) == ("purged", 2, "")


def test_a_purge_that_keeps_failing_is_failed_and_staff_are_emailed(locmem_edge, settings):
    settings.EDGE_PURGE_MAX_ATTEMPTS = 2
    group = StaffGroup.objects.create(name="Web", slug="web")
    settings.EDGE_ALERT_GROUP = "web"
    person = Recipient.objects.create(name="Webmaster", email="web@staff.example", channels=["email"])
    person.groups.add(group)
    locmem_edge.fail_with.extend([PermanentPurgeError("fastly answered 403")] * 2)
    purge = edge.edge_purge_request(keys=["article:7"])

    assert edge.edge_purge_run(purge_id=purge.pk).status == "retrying"
    later = timezone.now() + timedelta(minutes=1)
    assert edge.edge_purge_run(purge_id=purge.pk, now=later).status == "failed"

    purge.refresh_from_db()
    assert purge.status == EdgePurge.Status.FAILED
    assert purge.alerted_at is not None
    [message] = mail.outbox
    assert message.to == ["web@staff.example"]
    assert message.subject == "Edge purge failed: 1 keys"
    assert "permanent: fastly answered 403" in message.body
    assert "article:7" in message.body


def test_the_admin_lists_purges_and_purges_a_failed_one_again(locmem_edge, admin_client):
    purge = edge.edge_purge_request(keys=["article:1"])
    EdgePurge.objects.filter(pk=purge.pk).update(status=EdgePurge.Status.FAILED, attempts=8)

    page = admin_client.get("/admin/notifications/edgepurge/")
    assert page.status_code == 200
    assert b"manual:" in page.content
    admin_client.post(
        "/admin/notifications/edgepurge/", {"action": "purge_again", "_selected_action": [purge.pk]}
    )  # fmt: skip

    purge.refresh_from_db()
    assert (purge.status, purge.attempts) == ("purged", 1)


# --- Fastly and Cloudflare through their official SDKs, against a local fake of each API ---------------------


@pytest.fixture
def fastly(settings, purge_api):  # noqa: F811
    settings.EDGE_FASTLY_API_URL = purge_api.url
    settings.EDGE_FASTLY_API_TOKEN = "fastly-token-for-tests"
    settings.EDGE_FASTLY_SERVICE_ID = "SU1Z0isxPaozGVKXdv0eY"
    return purge_api


def test_fastly_purges_by_surrogate_key_in_batches_of_256_with_the_token(fastly):
    keys = [f"article:{number}" for number in range(300)]

    result = edge_backend("fastly").purge(keys, soft=False)

    assert result.requests == 2
    assert [request.path for request in fastly.requests] == ["/service/SU1Z0isxPaozGVKXdv0eY/purge"] * 2
    assert [len(request.headers["surrogate-key"].split()) for request in fastly.requests] == [256, 44]
    assert {key for request in fastly.requests for key in request.headers["surrogate-key"].split()} == set(keys)
    assert fastly.requests[0].headers["fastly-key"] == "fastly-token-for-tests"
    assert "fastly-soft-purge" not in fastly.requests[0].headers


def test_fastly_soft_purges_when_asked(fastly):
    edge_backend("fastly").purge(["article:1"], soft=True)
    assert fastly.requests[0].headers["fastly-soft-purge"] == "1"


@pytest.mark.parametrize(("status", "error"), [(429, TransientPurgeError), (503, TransientPurgeError),
                                                (401, PermanentPurgeError), (404, PermanentPurgeError)])  # fmt: skip
def test_fastly_errors_are_transient_or_permanent(fastly, status, error):
    fastly.planned.append(status)
    with pytest.raises(error, match=f"fastly answered {status}"):
        edge_backend("fastly").purge(["article:1"], soft=False)


def test_fastly_is_retried_after_a_429_through_the_purge_record(fastly, settings):
    settings.EDGE_BACKEND = "fastly"
    fastly.planned.append(429)
    purge = edge.edge_purge_request(keys=["article:1"])

    assert edge.edge_purge_run(purge_id=purge.pk).status == "retrying"
    purge.refresh_from_db()
    assert edge.edge_purge_run(purge_id=purge.pk, now=purge.next_attempt_at).status == "purged"
    assert len(fastly.requests) == 2


@pytest.fixture
def cloudflare(settings, purge_api):  # noqa: F811
    settings.EDGE_CLOUDFLARE_API_URL = purge_api.url
    settings.EDGE_CLOUDFLARE_API_TOKEN = "cloudflare-token-for-tests"
    settings.EDGE_CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
    return purge_api


def test_cloudflare_purges_by_cache_tag_in_batches_of_100_with_the_token(cloudflare):
    keys = [f"article:{number}" for number in range(150)]

    result = edge_backend("cloudflare").purge(keys, soft=False)

    assert result.requests == 2
    zone = "023e105f4ecef8ad9ca31a8372d0c353"
    assert [request.path for request in cloudflare.requests] == [f"/zones/{zone}/purge_cache"] * 2
    assert [len(request.json()["tags"]) for request in cloudflare.requests] == [100, 50]
    assert {tag for request in cloudflare.requests for tag in request.json()["tags"]} == set(keys)
    assert cloudflare.requests[0].headers["authorization"] == "Bearer cloudflare-token-for-tests"


def test_cloudflare_soft_purge_invalidates(cloudflare):
    edge_backend("cloudflare").purge(["article:1"], soft=True)
    assert cloudflare.requests[0].path == "/zones/023e105f4ecef8ad9ca31a8372d0c353/invalidate_cache"
    assert cloudflare.requests[0].json() == {"tags": ["article:1"]}


@pytest.mark.parametrize(("status", "error"), [(429, TransientPurgeError), (500, TransientPurgeError),
                                                (400, PermanentPurgeError), (403, PermanentPurgeError)])  # fmt: skip
def test_cloudflare_errors_are_transient_or_permanent(cloudflare, status, error):
    cloudflare.planned.append(status)
    with pytest.raises(error, match=f"cloudflare answered {status}"):
        edge_backend("cloudflare").purge(["article:1"], soft=False)
    assert len(cloudflare.requests) == 1  # the SDK's own retries are off: ours are recorded


def test_a_missing_setting_is_a_permanent_error_naming_it(settings):
    settings.EDGE_CLOUDFLARE_ZONE_ID = ""
    with pytest.raises(PermanentPurgeError, match="EDGE_CLOUDFLARE_ZONE_ID"):
        edge_backend("cloudflare").purge(["article:1"], soft=False)


def test_the_seed_purges_what_it_publishes_and_the_site(locmem_edge):
    from content.seeding import seed_content

    seed_content()
    for event_id in ContentEvent.objects.filter(routed_at__isnull=True).values_list("id", flat=True):
        tasks.route_content_event(event_id)

    purged = {key for purge in EdgePurge.objects.all() for key in purge.keys}
    assert {"site", "programs", "therapies", "articles", "faqs", "menus"} <= purged  # the header menu links them
    assert set(EdgePurge.objects.values_list("status", flat=True)) == {"purged"}
