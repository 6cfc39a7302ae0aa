"""Sparse fieldsets: `?fields=slug,title,body` returns only those fields."""

import functools
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

FIELDS_PARAM = "fields"


class SparseFieldsSerializer(serializers.ModelSerializer):
    """A serializer that keeps only `context["fields"]` (all fields when it is absent).

    `Meta.list_fields` names the default fields of a list: the heavy ones (the body, JSON-LD) are
    there only on request, so a list page stays small.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selected = self.context.get("fields")
        if selected is not None:
            for name in set(self.fields) - set(selected):
                self.fields.pop(name)


@functools.cache
def _field_names(serializer_class: type[serializers.BaseSerializer]) -> tuple[str, ...]:
    return tuple(serializer_class().fields)  # type: ignore[attr-defined]


def field_names(serializer_class: type[serializers.BaseSerializer]) -> list[str]:
    # Building a serializer's fields is not free; their names never change while the process runs.
    return list(_field_names(serializer_class))  # type: ignore[arg-type]


def list_field_names(serializer_class: type[serializers.BaseSerializer]) -> list[str] | None:
    """The fields a list shows by default (`Meta.list_fields`), or None for all."""
    names = getattr(getattr(serializer_class, "Meta", None), "list_fields", None)
    return list(names) if names is not None else None


def selected_fields(request: Request, serializer_class: type[serializers.BaseSerializer], *, many: bool) -> list[str]:
    """The fields a request asks for; a name that is not a field is a 400 problem."""
    available = field_names(serializer_class)
    raw = request.query_params.get(FIELDS_PARAM)
    if raw is None:
        return (list_field_names(serializer_class) or available) if many else available
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(names) - set(available))
    if unknown or not names:
        raise ValidationError(
            {
                FIELDS_PARAM: [
                    f"Unknown field(s): {', '.join(unknown) or '(none given)'}. Available: {', '.join(available)}."
                ]
            }
        )
    return names
