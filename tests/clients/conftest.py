"""The OpenAPI document written to a file, as a frontend developer would download it, and the toolchains that
turn it into clients. Nothing here is skipped: a missing toolchain fails with how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.fixtures import database_url
from tests.servers import ROOT

__all__ = ["database_url"]

TS_DIR = ROOT / "clients" / "typescript"
NODE_MODULES = TS_DIR / "node_modules"


@pytest.fixture(scope="session")
def openapi_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document /api/schema/ serves (the same generator and YAML renderer), written to schema.yaml."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    path = tmp_path_factory.mktemp("openapi") / "schema.yaml"
    path.write_bytes(OpenApiYamlRenderer().render(schema, renderer_context={}))
    return path


def node_tool(name: str) -> Path:
    """A command from clients/typescript/node_modules/.bin (never npx: it would fetch what is missing)."""
    tool = NODE_MODULES / ".bin" / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run `make install` (npm ci in clients/typescript).")
    return tool


def run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="session")
def ts_workspace(tmp_path_factory: pytest.TempPathFactory, openapi_document: Path) -> Path:
    """A copy of clients/typescript with its types generated from the document by openapi-typescript."""
    workspace = tmp_path_factory.mktemp("typescript")
    for name in ("package.json", "tsconfig.json", "example.ts"):
        shutil.copy(TS_DIR / name, workspace / name)
    (workspace / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    generated = run([node_tool("openapi-typescript"), openapi_document, "-o", "generated/schema.d.ts"], cwd=workspace)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return workspace


def tsc(workspace: Path, *arguments: str) -> subprocess.CompletedProcess:
    return run([node_tool("tsc"), "-p", workspace, *arguments], cwd=workspace)


def module_from(directory: Path, name: str) -> Any:
    """Import package `name` from `directory` (a generated client), leaving sys.path as it was."""
    import importlib
    import sys

    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(directory))
