"""The shipped Varnish edge (deploy/varnish/default.vcl, Debian's varnishd with xkey) in front of a live gunicorn,
with a real Celery worker purging it from the content outbox: nothing mocked in between.

The test process is the editor: it changes content through the services, as the admin does, and the
change reaches the worker the way it does in production (the event's routing task on the broker).
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from content import services
from content.crisis import CRISIS_RESOURCES
from content.models import Article, ContentEvent
from notifications.models import EdgePurge
from tests.factories import ArticleFactory, ProgramFactory, SiteProfileFactory, TagFactory
from tests.integration.edge import Origin, Varnish, request
from tests.integration.fixtures import Config
from tests.integration.harness import Launcher, Probe, wait_for
from tests.leads.conftest import lead_body, make_key
from tests.notifications.conftest import make_partner
from tests.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

_PROBE: list[Probe] = []


def publish_through_the_test_broker(event_id: int) -> None:
    """CONTENT_EVENT_PUBLISHER of this test process: the routing task, sent by name to the worker's broker."""
    _PROBE[0].send("notifications.route_content_event", event_id)


class Edge:
    def __init__(self, origin: Origin, varnish: Varnish) -> None:
        self.origin, self.varnish = origin, varnish

    def get(self, path: str, **headers: Any):
        return self.varnish.get(path, **headers)

    def settle(self) -> None:
        """Until every content event so far is routed and its purge done (the set-up's own publications)."""

        def settled() -> bool:
            routed = not ContentEvent.objects.filter(routed_at__isnull=True, due_at__lte=timezone.now()).exists()
            return routed and not EdgePurge.objects.filter(status=EdgePurge.Status.PENDING).exists()

        wait_for(settled, timeout=15, what="the set-up's purges")

    def warm(self, *paths: str) -> None:
        for path in paths:
            assert self.get(path).status == 200, path
            assert self.get(path).hit, f"{path} was not kept at the edge"


@pytest.fixture
def edge(launcher: Launcher, config: Config, shared_broker: str, settings: Any, tmp_path: Path) -> Iterator[Edge]:
    yield from _edge(launcher, config, shared_broker, settings, tmp_path)


def _edge(
    launcher: Launcher, config: Config, broker: str, settings: Any, tmp_path: Path, **overrides: str
) -> Iterator[Edge]:
    origin_env = config.env(broker, NUM_PROXIES="1", EDGE_BACKEND="varnish", **overrides)
    origin = Origin(origin_env, tmp_path)
    varnish = Varnish(tmp_path, origin_port=origin.port)
    environment = {**origin_env, "EDGE_VARNISH_URL": varnish.url}
    origin.env = environment
    worker = launcher.worker(environment)
    # Stops registered before the starts: a start that times out on a loaded machine leaves no server behind.
    launcher.on_close(origin.stop)
    origin.start()
    launcher.on_close(varnish.stop)
    varnish.start()
    probe = Probe(broker)
    launcher.on_close(probe.close)
    probe.wait_ready(worker)
    # This process writes content as an editor: its content version goes where the server reads it, and its
    # events reach the worker's broker.
    caches = {alias: {**conf, "LOCATION": broker, "KEY_PREFIX": "itest"} for alias, conf in settings.CACHES.items()}
    settings.CACHES = caches
    settings.CONTENT_EVENT_PUBLISHER = f"{__name__}.publish_through_the_test_broker"
    settings.EDGE_BACKEND = "varnish"
    settings.EDGE_VARNISH_URL = [varnish.url]
    _PROBE[:] = [probe]
    yield Edge(origin, varnish)
    _PROBE.clear()


def _titles(reply: Any) -> list[str]:
    return [item["title"] for item in json.loads(reply.body)["results"]]


def test_warm_reads_are_hits_and_an_edit_refreshes_its_pages_and_only_those(edge):
    SiteProfileFactory()
    ProgramFactory(slug="iop")
    tag = TagFactory(slug="sleep")
    edited = ArticleFactory(slug="edited", title="Before")
    edited.tags.add(tag)
    services.content_save(item=Article.objects.get(pk=edited.pk))  # announce the tag, as the admin's save does
    ArticleFactory(slug="other", title="Other")
    pages = ["/api/v1/articles/", "/api/v1/articles/edited/", "/api/v1/articles/other/", "/api/v1/programs/",
             "/api/v1/programs/iop/", "/api/v1/site/", "/api/v1/articles/?tag=sleep"]  # fmt: skip
    edge.settle()
    edge.warm(*pages)

    time.sleep(1.1)
    origin_counts = {path: edge.origin.requests_for(path.split("?")[0]) for path in pages}
    for path in pages:
        reply = edge.get(path)
        assert (reply.hit, reply.age >= 1) == (True, True), (path, reply.headers)
    time.sleep(0.3)  # an access log line the origin would write comes just after its response
    assert {path: edge.origin.requests_for(path.split("?")[0]) for path in pages} == origin_counts

    edited = Article.objects.get(pk=edited.pk)
    edited.title = "After"
    services.content_save(item=edited)
    committed = time.monotonic()

    def fresh() -> bool:
        return json.loads(edge.get("/api/v1/articles/edited/").body)["title"] == "After"

    wait_for(fresh, timeout=5, what="the edited article at the edge", interval=0.02)
    assert time.monotonic() - committed < 1.0
    assert "After" in _titles(edge.get("/api/v1/articles/"))
    assert "After" in _titles(edge.get("/api/v1/articles/?tag=sleep"))
    for untouched in ("/api/v1/articles/other/", "/api/v1/programs/", "/api/v1/programs/iop/", "/api/v1/site/"):
        reply = edge.get(untouched)
        assert (reply.hit, reply.age >= 1) == (True, True), f"{untouched} was purged too"
    purge = EdgePurge.objects.filter(keys__contains=[f"article:{edited.pk}"]).latest("created_at")
    assert purge.status == EdgePurge.Status.PURGED
    assert purge.backend == "varnish"
    assert purge.objects_purged
    assert purge.duration_ms is not None


def test_a_scheduled_go_live_reaches_the_edge_with_nobody_acting(edge):
    ArticleFactory(slug="now", title="Now")
    go_live = timezone.now() + timedelta(seconds=6)
    ArticleFactory(slug="later", title="Later", publish_at=go_live)
    edge.settle()
    edge.warm("/api/v1/articles/")
    assert _titles(edge.get("/api/v1/articles/")) == ["Now"]

    time.sleep(max(0.0, (go_live - timezone.now()).total_seconds()))
    live = time.monotonic()
    wait_for(lambda: "Later" in _titles(edge.get("/api/v1/articles/")), timeout=5, what="the go-live", interval=0.05)
    assert time.monotonic() - live < 1.0


def test_with_the_origin_stopped_the_edge_serves_its_pages_and_the_crisis_lines(
    launcher, config, shared_broker, settings, tmp_path
):
    # Pages live one second at the edge: past it, only stale-if-error serves them.
    for edge in _edge(launcher, config, shared_broker, settings, tmp_path, EDGE_MAX_AGE="1"):
        SiteProfileFactory(crisis_resources=CRISIS_RESOURCES)
        ArticleFactory(slug="kept", title="Kept")
        edge.settle()  # the set-up's own purges done: what is stored next stays
        for path in ("/api/v1/site/", "/api/v1/articles/kept/"):  # stored; expired a second later
            assert edge.get(path).status == 200
        edge.origin.stop()

        time.sleep(1.5)  # expired at the edge, and before the probe has marked the origin sick
        site = edge.get("/api/v1/site/")
        assert site.status == 200
        assert b"988" in site.body
        assert b"911" in site.body
        time.sleep(3)  # the probe has now marked it sick
        assert edge.get("/api/v1/articles/kept/").status == 200
        assert json.loads(edge.get("/api/v1/articles/kept/").body)["title"] == "Kept"
        assert edge.get("/api/v1/articles/never-read/").status == 503  # nothing stale to serve


def test_private_responses_pass_uncached_and_poisoning_changes_nothing(edge):
    ProgramFactory(slug="iop")  # the contact request's program
    ArticleFactory(slug="a", title="A")
    ArticleFactory(slug="b", title="B")
    partner = make_partner("Valley Clinic")
    key = make_key(partner, ["referrals:write", "referrals:read"])
    draft = ArticleFactory(slug="draft", status="draft", publish_at=None)
    from content import preview

    token = preview.preview_token_create(item=draft)
    edge.settle()

    for _ in range(2):
        lead = request(edge.varnish.port, "/api/v1/leads/", method="POST", body=json.dumps(lead_body()).encode(),
                       headers={"Content-Type": "application/json"})  # fmt: skip
        assert lead.status == 201
        assert lead.header("Cache-Control") == "private, no-store"
        referrals = edge.get("/api/v1/referrals/", Authorization=f"Api-Key {key.key}")
        assert referrals.status == 200
        assert not referrals.hit
        assert referrals.header("Cache-Control") == "private, no-store"
        assert edge.get(f"/api/v1/articles/draft/?preview={token}").status == 200
        assert edge.get("/admin/login/").status == 200
        for path in ("/staff/", "/partners/"):  # the staff workspace and the referral portal: never cached
            assert not edge.get(path).hit
    for path in ("/api/v1/leads/", "/api/v1/referrals/", "/api/v1/articles/draft/", "/admin/login/", "/staff/",
                 "/partners/"):  # fmt: skip
        # Each request reached the origin (its access log line is written just after the response).
        wait_for(lambda path=path: edge.origin.requests_for(path) == 2, timeout=3, what=f"two requests for {path}")

    # Poisoning attempts first, then an ordinary client.
    assert edge.get("/api/v1/articles/?page_size=1", Host="evil.example").status == 400
    forged = edge.get("/api/v1/articles/?page_size=1", X_Forwarded_Host="evil.example", X_Forwarded_Proto="javascript")
    stray = edge.get("/api/v1/articles/?page_size=1&utm_source=x&cb=%3Cscript%3E", Accept_Language="es-MX,es;q=0.9")
    for reply in (forged, stray):
        assert reply.status == 200
        assert b"evil" not in reply.body
        assert b"script" not in reply.body
    ordinary = edge.get("/api/v1/articles/?page_size=1")
    assert ordinary.hit, "the forged headers made a page of their own"
    assert (
        json.loads(ordinary.body)["next"]
        == f"http://127.0.0.1:{edge.varnish.port}/api/v1/articles/?lang=en&page=2&page_size=1"
    )
    assert edge.get("/api/v1/articles/?cb=1&page_size=1&utm_medium=y", Accept_Language="es").hit  # the stray one's


def test_only_the_purgers_may_purge(tmp_path):
    varnish = Varnish(tmp_path, origin_port=free_port())
    varnish.start()
    try:
        # 127.0.0.2 is this machine too, but not in the ACL: a client elsewhere, as far as Varnish can tell.
        connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=5, source_address=("127.0.0.2", 0))
        connection.request("PURGE", "/", headers={"xkey-purge": "content"})
        assert connection.getresponse().status == 403
        connection.close()
        allowed = request(varnish.port, "/", method="PURGE", headers={"xkey-purge": "content"})
        assert allowed.status == 200
        assert allowed.header("xkey-purged") == "0"
    finally:
        varnish.stop()
