"""openapi-typescript turns the document into types; clients/typescript/example.ts (openapi-fetch) lists the
programs, reads an article and sends a contact request with them, checked by `tsc` and run against gunicorn."""

import json
import os
import re
import shutil

import pytest

from tests.clients.conftest import TS_DIR, node_tool, run, tsc
from tests.factories import ArticleFactory, ProgramFactory
from tests.servers import gunicorn

# Mistakes a frontend developer makes, each of which the generated types must refuse at compile time.
MISTAKES = {
    "misspelt_lead_field": ('first_name: "Alex"', 'frist_name: "Alex"', "'frist_name' does not exist"),
    "enum_value_not_in_the_api": ('relationship: "family_or_friend"', 'relationship: "family"', '"family"'),
    "response_field_not_in_the_api": ("receipt.reference", "receipt.ref", "Property 'ref' does not exist"),
    "path_not_in_the_api": ('"/api/v1/programs/"', '"/api/v1/program/"', '"/api/v1/program/"'),
}


def test_the_example_type_checks_against_the_generated_types(ts_workspace):
    checked = tsc(ts_workspace, "--noEmit")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    types = (ts_workspace / "generated" / "schema.d.ts").read_text()
    assert "LeadRequest: {" in types
    assert '"/api/v1/articles/{slug}/": {' in types


def test_the_type_check_refuses_what_the_api_does_not_have(ts_workspace, tmp_path):
    # One project, one `tsc` run: each mistake in its own copy of the example, each must be reported there.
    workspace = tmp_path / "mistakes"
    shutil.copytree(ts_workspace, workspace, symlinks=True)
    example = (workspace / "example.ts").read_text()
    (workspace / "example.ts").unlink()
    for name, (right, wrong, _) in MISTAKES.items():
        assert example.count(right) == 1, right
        (workspace / f"{name}.ts").write_text(example.replace(right, wrong))
    tsconfig = json.loads((workspace / "tsconfig.json").read_text())
    tsconfig["include"] = [f"{name}.ts" for name in MISTAKES] + ["generated/schema.d.ts"]
    (workspace / "tsconfig.json").write_text(json.dumps(tsconfig))

    checked = tsc(workspace, "--noEmit")

    assert checked.returncode != 0
    errors = re.findall(r"^(\w+)\.ts\(\d+,\d+\): error (TS\d+: .*)$", checked.stdout, flags=re.MULTILINE)
    for name, (_, _, message) in MISTAKES.items():
        reported = [error for file, error in errors if file == name]
        assert any(message in error for error in reported), (name, reported)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_compiled_example_reads_content_and_sends_a_lead_to_a_live_server(ts_workspace, tmp_path, database_url):
    ProgramFactory(slug="iop", level_of_care="intensive_outpatient")
    ProgramFactory(slug="php", level_of_care="partial_hospitalization")
    ArticleFactory(slug="what-to-expect", title="What to expect in your first week")
    workspace = tmp_path / "build"
    shutil.copytree(ts_workspace, workspace, symlinks=True)
    compiled = tsc(workspace, "--outDir", str(workspace / "build"))
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    with gunicorn({"DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"]}) as base_url:
        ran = run(["node", workspace / "build" / "example.js", base_url, "what-to-expect"], cwd=workspace)

    assert ran.returncode == 0, ran.stderr[-2000:]
    result = json.loads(ran.stdout)
    assert sorted(result["programs"], key=lambda program: program["slug"]) == [
        {"slug": "iop", "level_of_care": "intensive_outpatient"},
        {"slug": "php", "level_of_care": "partial_hospitalization"},
    ]
    assert result["article"] == {"slug": "what-to-expect", "title": "What to expect in your first week"}
    assert re.fullmatch(r"L-[0-9A-Z]{6}", result["lead"]["reference"])
    assert result["lead"]["status"] == "received"
    assert result["lead"]["crisis_lines"] >= 2

    from leads.models import Lead

    lead = Lead.objects.get(reference=result["lead"]["reference"])
    assert lead.program_interest == result["programs"][0]["slug"]


def test_openapi_typescript_is_the_locked_version():
    # The README tells frontend developers to run this version; the lock file is what `make install` installs.
    version = run([node_tool("openapi-typescript"), "--version"], cwd=TS_DIR)

    assert version.stdout.strip().endswith("7.13.0"), version.stdout
