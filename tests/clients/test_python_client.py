"""openapi-python-client turns the document into a typed package (attrs models, enums, httpx calls); a live
gunicorn answers it: programs listed, an article read, a contact request sent, all as typed objects."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.clients.conftest import module_from, run
from tests.factories import ArticleFactory, ProgramFactory
from tests.leads.conftest import make_key
from tests.servers import gunicorn

PACKAGE = "core_recovery_api_client"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory: pytest.TempPathFactory, openapi_document: Path) -> Path:
    """The package openapi-python-client writes from the document, with its warnings as errors."""
    directory = tmp_path_factory.mktemp("python_client")
    bin_dir = Path(sys.executable).parent  # its post-generation hooks run `ruff` from PATH
    generated = run(
        [bin_dir / "openapi-python-client", "generate", "--path", openapi_document, "--meta", "none",
         "--output-path", directory / PACKAGE, "--fail-on-warning"],
        cwd=directory, env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout
    return directory


# What a Python caller writes; mypy must accept it and refuse it with a misspelt field or attribute.
USAGE = """
from core_recovery_api_client import Client
from core_recovery_api_client.api.leads import leads_create
from core_recovery_api_client.models import ConsentRequest, LeadReceipt, LeadRequest, RelationshipEnum


def send(client: Client) -> str:
    lead = LeadRequest(first_name="Alex", consent=ConsentRequest(contact=True), relationship=RelationshipEnum.SELF)
    receipt = leads_create.sync(client=client, body=lead, idempotency_key="a-uuid")
    if not isinstance(receipt, LeadReceipt):
        raise RuntimeError("not sent")
    return receipt.reference
"""
# The generator's own client.py template passes `*args: object` to httpx's typed `__exit__`: its bug, not the
# document's; every module made from the document is checked strictly.
MYPY_CONFIG = f"""
[mypy]
strict = True
[mypy-{PACKAGE}.client]
disable_error_code = arg-type
"""


def _mypy(directory: Path, *targets: str) -> subprocess.CompletedProcess:
    (directory / "mypy.ini").write_text(MYPY_CONFIG)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--config-file=mypy.ini", PACKAGE, *targets],
        cwd=directory, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_generated_package_and_a_caller_type_check_with_mypy_strict(generated_client):
    (generated_client / "usage.py").write_text(USAGE)
    (generated_client / "usage_wrong.py").write_text(
        USAGE.replace('first_name="Alex"', 'frist_name="Alex"').replace("receipt.reference", "receipt.ref")
    )

    right = _mypy(generated_client, "usage.py")
    wrong = _mypy(generated_client, "usage_wrong.py")

    assert right.returncode == 0, right.stdout[-3000:]
    assert wrong.returncode == 1
    assert 'Unexpected keyword argument "frist_name" for "LeadRequest"' in wrong.stdout, wrong.stdout
    assert '"LeadReceipt" has no attribute "ref"' in wrong.stdout, wrong.stdout


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_reads_content_and_sends_a_lead_to_a_live_server(generated_client, database_url):
    ProgramFactory(slug="iop", level_of_care="intensive_outpatient")
    ProgramFactory(slug="php", level_of_care="partial_hospitalization")
    ArticleFactory(slug="what-to-expect", title="What to expect in your first week")
    partner_site = make_key(None, ["content:read"])

    client_module = module_from(generated_client, PACKAGE)
    from core_recovery_api_client.api.articles import articles_retrieve
    from core_recovery_api_client.api.leads import leads_create
    from core_recovery_api_client.api.programs import programs_list
    from core_recovery_api_client.models import (
        AgeRangeEnum,
        Article,
        BlockTypeEnum,
        ConsentRequest,
        ContactMethodEnum,
        LeadReceipt,
        LeadRequest,
        LeadStatusEnum,
        LevelOfCareEnum,
        PaginatedProgramList,
        Problem,
        RelationshipEnum,
    )

    lead = LeadRequest(
        first_name="Alex",
        phone="602-555-0123",
        preferred_contact=ContactMethodEnum.PHONE,
        relationship=RelationshipEnum.FAMILY_OR_FRIEND,
        age_range=AgeRangeEnum.AGE_26_35,
        program_interest="php",
        consent=ConsentRequest(contact=True),
    )
    idempotency_key = str(uuid.uuid4())
    with gunicorn({"DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"]}) as base_url:
        # A partner's site reads content with its key; the contact form posts anonymously.
        content = client_module.AuthenticatedClient(base_url=base_url, token=partner_site.key, prefix="Api-Key")
        anonymous = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
        programs = programs_list.sync(client=content, level_of_care=LevelOfCareEnum.PARTIAL_HOSPITALIZATION)
        article = articles_retrieve.sync(client=content, slug="what-to-expect")
        missing = articles_retrieve.sync(client=content, slug="no-such-article")
        sent = leads_create.sync_detailed(client=anonymous, body=lead, idempotency_key=idempotency_key)
        replayed = leads_create.sync_detailed(client=anonymous, body=lead, idempotency_key=idempotency_key)

    assert isinstance(programs, PaginatedProgramList)
    assert programs.count == 1
    assert [(program.slug, program.level_of_care) for program in programs.results] == [
        ("php", LevelOfCareEnum.PARTIAL_HOSPITALIZATION)
    ]
    assert isinstance(article, Article)
    assert article.title == "What to expect in your first week"
    assert [block.type_ for block in article.body] == [BlockTypeEnum.HEADING, BlockTypeEnum.PARAGRAPH]
    assert isinstance(missing, Problem)
    assert (missing.status, missing.code) == (404, "not_found")

    assert sent.status_code == 201
    receipt = sent.parsed
    assert isinstance(receipt, LeadReceipt)
    assert re.fullmatch(r"L-[0-9A-Z]{6}", receipt.reference)
    assert receipt.status is LeadStatusEnum.RECEIVED
    assert {"988", "911"} <= {resource.phone for resource in receipt.crisis_resources}
    assert isinstance(replayed.parsed, LeadReceipt)
    assert replayed.parsed.reference == receipt.reference
    assert replayed.headers["Idempotent-Replayed"] == "true"

    from leads.models import Lead

    assert list(Lead.objects.values_list("reference", "program_interest")) == [(receipt.reference, "php")]
