"""Content responses in brotli, zstd and gzip: stored once per page and content version, chosen per request from
Accept-Encoding, each coding with its own ETag; nothing that mixes a secret with what a client sent is ever
compressed (docs/security.md, "Compression and BREACH")."""

import gzip

import brotli
import pytest
import redis
from backports import zstd
from django.conf import settings as django_settings

from api import encoding, warm_reads
from api.caching import local_responses
from content import preview
from content.models import PublicationStatus
from tests.factories import (
    ArticleFactory,
    FAQFactory,
    ProgramFactory,
    SiteProfileFactory,
    TestimonialFactory,
    TherapyFactory,
    paragraph,
)
from tests.leads import conftest as leads_fixtures
from tests.leads.conftest import lead_body, referral_body

pytestmark = pytest.mark.django_db

# The programs (iop, php) the valid bodies name, and a partner whose key may write and read referrals.
programs = leads_fixtures.programs
partner_a = leads_fixtures.partner_a

DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, "zstd": zstd.decompress}
# A list long enough to be compressed under the default minimum size.
LONG_LIST = "/api/v1/articles/?fields=slug,title,body"

CONTENT_URLS = [
    "/api/v1/site/",
    "/api/v1/programs/",
    "/api/v1/programs/iop/",
    "/api/v1/therapies/",
    "/api/v1/therapies/cbt/",
    "/api/v1/articles/",
    "/api/v1/articles/one/",
    "/api/v1/faqs/",
    "/api/v1/testimonials/",
]


@pytest.fixture
def every_kind_of_content():
    SiteProfileFactory()
    therapy = TherapyFactory(slug="cbt")
    program = ProgramFactory(slug="iop")
    program.therapies.add(therapy)
    ArticleFactory(slug="one", body=[paragraph("Recovery takes practice and support. " * 20)] * 2)
    FAQFactory(program=program)
    TestimonialFactory(program=program)


@pytest.fixture
def compress_everything(settings):
    """Every content response compressed, however small (the factories' items are)."""
    settings.CONTENT_COMPRESS_MIN_BYTES = 0


@pytest.fixture
def long_article():
    return ArticleFactory(slug="long", body=[paragraph("Recovery takes practice and support. " * 20)] * 10)


@pytest.fixture
def compressions(monkeypatch) -> list[str]:
    """The codings compressed, in order, by anything from here on."""
    calls: list[str] = []
    originals = dict(encoding.CODECS)
    for coding, compress in originals.items():

        def counting(body: bytes, coding: str = coding, compress=compress) -> bytes:
            calls.append(coding)
            return compress(body)

        monkeypatch.setitem(encoding.CODECS, coding, counting)
    return calls


def _decoded(response) -> bytes:
    coding = response.get("Content-Encoding")
    return DECODE[coding](response.content) if coding else response.content


@pytest.mark.parametrize("url", CONTENT_URLS)
def test_every_content_endpoint_answers_each_coding_with_the_same_decoded_body(
    api_client, every_kind_of_content, compress_everything, url
):
    identity = api_client.get(url)
    assert identity.status_code == 200, identity.content
    etags = {identity["ETag"]}

    for coding in ("br", "gzip", "zstd"):
        for attempt in ("first", "again"):  # the view's answer, then the warm path's
            response = api_client.get(url, HTTP_ACCEPT_ENCODING=coding)

            assert response.status_code == 200, (coding, attempt)
            assert response["Content-Encoding"] == coding, (coding, attempt)
            assert DECODE[coding](response.content) == identity.content, (coding, attempt)
            assert int(response["Content-Length"]) == len(response.content)
            assert "Accept-Encoding" in response["Vary"]
            etags.add(response["ETag"])

    assert len(etags) == 4, etags  # one per coding, the same on every read
    again = api_client.get(url, HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in again
    assert again.content == identity.content
    assert "Accept-Encoding" in identity["Vary"]


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_each_coding_revalidates_with_its_own_etag(api_client, long_article, coding):
    other = "gzip" if coding == "br" else "br"
    etag = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=coding)["ETag"]
    other_etag = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=other)["ETag"]

    for attempt in ("first", "again"):  # the view's 304, then the warm path's
        not_modified = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304, attempt
        assert not_modified.content == b""
        assert not_modified["ETag"] == etag
        assert "Accept-Encoding" in not_modified["Vary"]

    # The other coding's validator does not match these bytes: the client gets them, whole.
    changed = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH=other_etag)
    assert changed.status_code == 200
    assert changed["Content-Encoding"] == coding
    assert changed["ETag"] == etag
    identity = api_client.get(LONG_LIST, HTTP_IF_NONE_MATCH=etag)
    assert identity.status_code == 200
    assert "Content-Encoding" not in identity


def test_each_coding_is_compressed_once_on_first_demand_and_a_warm_compressed_read_compresses_nothing(
    api_client, long_article, compressions
):
    first = api_client.get(LONG_LIST)  # renders the page; nobody has asked for a coding yet
    assert first.status_code == 200
    assert compressions == []
    for coding in ("br", "gzip", "zstd", "br", "gzip", "zstd"):
        assert api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=coding)["Content-Encoding"] == coding
    assert sorted(compressions) == ["br", "gzip", "zstd"]  # each once, when first asked for
    compressions.clear()

    for coding in ("br", "gzip", "zstd", "br;q=0.5, gzip", "*"):
        response = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=coding)  # the warm path
        assert "Content-Encoding" in response, coding
    via_view = api_client.get(f"{LONG_LIST}&utm_source=mail", HTTP_ACCEPT_ENCODING="gzip")  # the view, cached
    local_responses.clear()  # another process: the page comes from Redis
    from_redis = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING="br")

    assert via_view["Content-Encoding"] == "gzip"
    assert brotli.decompress(from_redis.content) == first.content
    assert compressions == []


def test_a_page_read_once_is_compressed_only_into_the_coding_asked(api_client, long_article, compressions):
    # A flood of distinct pages (one-off searches) must not cost a compression into every coding each.
    response = api_client.get(f"{LONG_LIST}&search=recovery", HTTP_ACCEPT_ENCODING="gzip, deflate, br, zstd")

    assert response["Content-Encoding"] == "br"
    assert compressions == ["br"]


def test_one_entry_and_one_route_whatever_the_accept_encoding(api_client, long_article):
    headers = ["gzip", "br", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8, *;q=0.1", "identity", "x-junk-1"]
    headers += [f"gzip;q=0.{n}" for n in range(1, 10)]

    for header in headers:
        assert api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING=header).status_code == 200

    client = redis.Redis.from_url(django_settings.CACHES["responses"]["LOCATION"])
    try:
        assert len(client.keys("*content:resp:*")) == 1
    finally:
        client.close()
    assert len(warm_reads.routes._entries) == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "identity"),
        ("", "identity"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("GZIP", "gzip"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip, deflate, br, zstd", "br"),  # a browser: equal q-values, the server's preference
        ("gzip, deflate", "gzip"),
        ("deflate", "identity"),
        ("*", "br"),
        ("br;q=0, gzip", "gzip"),  # q=0 refuses
        ("br;q=0.0, *", "zstd"),
        ("*;q=0", "identity"),
        ("gzip;q=0.5, br;q=0.8", "br"),
        ("gzip;q=1, br;q=0.8", "gzip"),
        ("gzip;q=0.5, identity", "identity"),  # identity preferred outright
        ("identity;q=0, gzip;q=0", "identity"),  # nothing acceptable: no coding (RFC 9110 §12.5.3)
        ("br;q=abc, gzip", "gzip"),  # a malformed q-value discards its coding
        ("br;q=2, gzip", "gzip"),
        (" br ; q=0.9 , gzip ; q=0.7 ", "br"),
    ],
)
def test_negotiation_honours_q_values(header, expected):
    assert encoding.negotiate(header, encoding.CODINGS) == expected


def test_a_coding_not_stored_is_never_chosen():
    assert encoding.negotiate("br", ("gzip",)) == "identity"
    assert encoding.negotiate("br;q=1, gzip;q=0.1", ("gzip",)) == "gzip"
    assert encoding.negotiate("gzip", ()) == "identity"


def test_small_responses_are_not_compressed(api_client, compressions):
    ArticleFactory()

    response = api_client.get("/api/v1/articles/?fields=slug", HTTP_ACCEPT_ENCODING="gzip, br")

    assert len(response.content) < django_settings.CONTENT_COMPRESS_MIN_BYTES
    assert "Content-Encoding" not in response
    assert "Accept-Encoding" in response["Vary"]
    assert compressions == []


def test_with_the_cache_off_only_the_chosen_coding_is_compressed(api_client, settings, long_article, compressions):
    settings.CONTENT_CACHE_ENABLED = False

    response = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING="gzip;q=0.5, zstd")
    identity = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING="identity")

    assert response["Content-Encoding"] == "zstd"
    assert zstd.decompress(response.content) == identity.content
    assert compressions == ["zstd"]


def test_a_page_over_the_entry_limit_compresses_only_the_chosen_coding(
    api_client, settings, long_article, compressions
):
    settings.CONTENT_CACHE_MAX_ENTRY_BYTES = 2000

    response = api_client.get(LONG_LIST, HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(response.content)) > 2000
    assert compressions == ["gzip"]


ALL_CODINGS = {"HTTP_ACCEPT_ENCODING": "br, gzip, zstd, deflate, *"}


def test_contact_requests_and_their_errors_are_never_compressed(api_client, programs, compress_everything):
    long_message = "Please call me back about the evening program. " * 50

    created = api_client.post("/api/v1/leads/", lead_body(message=long_message), format="json", **ALL_CODINGS)
    replayed = [
        api_client.post(
            "/api/v1/leads/", lead_body(message=long_message), format="json", HTTP_IDEMPOTENCY_KEY="k-1", **ALL_CODINGS
        )
        for _ in range(2)
    ]
    invalid = api_client.post(
        "/api/v1/leads/", lead_body(email="not-an-email " * 50, state="??"), format="json", **ALL_CODINGS
    )
    token = api_client.get("/api/v1/leads/form-token/", **ALL_CODINGS)

    assert created.status_code == 201, created.content
    assert [response.status_code for response in replayed] == [201, 201]
    assert invalid.status_code == 400
    assert token.status_code == 200
    for response in (created, *replayed, invalid, token):
        assert "Content-Encoding" not in response, response.content[:200]


def test_referrals_are_never_compressed(api_client, programs, partner_a, compress_everything):
    created = api_client.post("/api/v1/referrals/", referral_body(), format="json", **partner_a.header, **ALL_CODINGS)
    reference = created.json()["reference"]
    listed = api_client.get("/api/v1/referrals/", **partner_a.header, **ALL_CODINGS)
    read = api_client.get(f"/api/v1/referrals/{reference}/", **partner_a.header, **ALL_CODINGS)
    unknown = api_client.get("/api/v1/referrals/R-NOPE/", **partner_a.header, **ALL_CODINGS)

    assert [created.status_code, listed.status_code, read.status_code, unknown.status_code] == [201, 200, 200, 404]
    for response in (created, listed, read, unknown):
        assert "Content-Encoding" not in response


def test_errors_and_draft_previews_are_never_compressed(api_client, compress_everything):
    draft = ArticleFactory(slug="draft", status=PublicationStatus.DRAFT, publish_at=None)
    token = preview.preview_token_create(item=draft)

    previewed = api_client.get(f"/api/v1/articles/draft/?preview={token}", **ALL_CODINGS)
    missing = api_client.get("/api/v1/articles/no-such-article/", **ALL_CODINGS)
    bad_page = api_client.get("/api/v1/articles/?page=" + "9" * 500, **ALL_CODINGS)

    assert [previewed.status_code, missing.status_code, bad_page.status_code] == [200, 404, 400]
    for response in (previewed, missing, bad_page):
        assert "Content-Encoding" not in response
