"""The embeddable form's script: served by Django to any page, versioned, cacheable, small, with its SRI hash."""

import base64
import gzip
import hashlib
import io

import pytest
from django.core.management import call_command

from api.embed import SCRIPT_PATH

pytestmark = pytest.mark.embedded

MAX_GZIPPED_BYTES = 15 * 1024


def test_the_script_is_under_15_kb_gzipped():
    assert len(gzip.compress(SCRIPT_PATH.read_bytes(), compresslevel=9)) < MAX_GZIPPED_BYTES


@pytest.mark.parametrize(
    ("path", "max_age"), [("/embed/v1/referral.js", "max-age=86400"), ("/embed/referral.js", "max-age=300")]
)
def test_any_page_may_load_the_script_and_keep_it(client, path, max_age):
    response = client.get(path, HTTP_ORIGIN="https://www.partner.example")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.content == SCRIPT_PATH.read_bytes()
    assert response["Cache-Control"].startswith(f"public, {max_age}")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b'customElements.define("core-recovery-referral"' in response.content


def test_a_kept_copy_is_revalidated_with_its_etag(client):
    etag = client.get("/embed/v1/referral.js")["ETag"]

    response = client.get("/embed/v1/referral.js", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_the_script_is_read_only(client):
    assert client.post("/embed/v1/referral.js").status_code == 405


def test_embed_snippet_prints_the_sri_hash_of_what_is_served(client, settings):
    out = io.StringIO()
    call_command("embed_snippet", "--key", "pk_abcdefgh.example", "--lang", "es", stdout=out)

    served = client.get("/embed/v1/referral.js").content
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(served).digest()).decode()
    printed = out.getvalue()
    assert f"SRI: {integrity}" in printed
    url = f"{settings.PUBLIC_API_URL}/embed/v1/referral.js"
    assert f'src="{url}" integrity="{integrity}" crossorigin="anonymous"' in printed
    assert '<core-recovery-referral data-key="pk_abcdefgh.example" data-lang="es"></core-recovery-referral>' in printed


def test_the_form_asks_the_api_for_its_own_language():
    # The API's refusals then come in the form's language (api.language.SubmissionLanguageMixin): the browser
    # test of the Spanish form sees the header and the Spanish message beside the field.
    script = SCRIPT_PATH.read_text()
    assert '"Accept-Language": this.lang_' in script
    assert 'this.lang_ = TEXT[lang] ? lang : "en"' in script  # only "en" or "es": a CORS-safelisted value
