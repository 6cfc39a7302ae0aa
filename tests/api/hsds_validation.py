"""Validation against the pinned Open Referral HSDS 3.1 JSON Schemas (standards/hsds-3.1/schema/, a copy of
../shared/standards/hsds-3.1/schema/).

Draft 2020-12 with format checking; the schemas' `$ref`s (by file name: `"phone.json"`) resolve from a local
`referencing.Registry` of every file, so nothing is fetched from the network.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The project's byte-for-byte copy of the pinned standard (standards/README.md): a clean clone has no
# ../shared beside it.
STANDARD_DIR = Path(__file__).resolve().parents[2] / "standards" / "hsds-3.1"


def _standard_dir() -> Path:
    return STANDARD_DIR / "schema"


def shared_standard_dir() -> Path | None:
    """The workplace's pinned copy (../shared/standards/hsds-3.1/), where this checkout sits beside it."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "standards" / "hsds-3.1"
        if candidate.is_dir():
            return candidate
    return None


@cache
def _registry() -> Registry:
    directory = _standard_dir()
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        for path in directory.glob("*.json")
        if path.name != "openapi.json"
    ]
    return Registry().with_resources(resources)


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """A validator for `service.json`, `compiled/service_list.json` or `openapi.json#Page`."""
    directory = _standard_dir()
    if schema_name == "Page":
        schema = json.loads((directory / "openapi.json").read_text())["components"]["schemas"]["Page"]
        schema = {**schema, "required": list(schema["properties"])}  # the reference's wrapper, every property
    else:
        schema = json.loads((directory / schema_name).read_text())
    return Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(instance: Any, schema_name: str) -> list[str]:
    return [
        f"{schema_name} at /{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator(schema_name).iter_errors(instance)
    ]
