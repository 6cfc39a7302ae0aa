"""Page-number pagination: `page`, `page_size` (1 to 100), and `count`, `next`, `previous`, `results`."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        # Refuse a bad page_size instead of silently clamping it: the client learns its mistake.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size  # type: ignore[return-value]
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]})
        return int(raw)

    # A view's `page_link_query`, when it has one: the query of a `next`/`previous` link from all the pairs.
    _link_query: Callable[[list[tuple[str, str]]], list[tuple[str, str]]] | None = None

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list | None:
        self._link_query = getattr(view, "page_link_query", None)
        raw = request.query_params.get(self.page_query_param)
        # ASCII digits only: "²".isdigit() is true, and int() of it fails.
        if raw is not None and raw != "last" and not re.fullmatch(r"[1-9][0-9]{0,17}", raw):
            raise ValidationError({"page": ["Must be a positive integer."]})
        return super().paginate_queryset(queryset, request, view)

    def get_next_link(self) -> str | None:
        return self._with_link_query(super().get_next_link())

    def get_previous_link(self) -> str | None:
        return self._with_link_query(super().get_previous_link())

    def _with_link_query(self, link: str | None) -> str | None:
        if link is None or self._link_query is None:
            return link
        scheme, netloc, path, query, fragment = urlsplit(link)
        query = urlencode(self._link_query(parse_qsl(query, keep_blank_values=True)))
        return urlunsplit((scheme, netloc, path, query, fragment))

    def get_paginated_data(self, results: list) -> dict[str, Any]:
        assert self.page is not None
        return {
            "count": self.page.paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": results,
        }

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["required"] = ["count", "next", "previous", "results"]
        # drf-spectacular wraps each list operation's example item in a page built from these `example`s:
        # a page of that one item is the whole list, as the API answers it (DRF's own examples, a count of
        # 123 and `http://api.example.org/accounts/?page=4`, belong to no endpoint here).
        properties = described["properties"]
        properties["count"].update(example=1, description="How many items the whole list has.")
        for name, which in (("next", "next"), ("previous", "previous")):
            properties[name].update(
                example=None,
                description=f"The absolute URL of the {which} page: this request's query (filters, `page_size`, "
                f"`fields`) with its `page` and `lang`; `null` when there is no {which} page.",
            )
        return described

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20}
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
