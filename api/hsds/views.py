"""`/hsds/`: the Open Referral HSDS 3.1 API (api_reference.md of the pinned standard), read-only.

Fixed paths as the reference spells them, with no trailing slash (one answers the same). Each response is
mapped from the content (api.hsds.mapping) and cached like `/api/v1/` content (api.caching: under the content
version, ETag and 304, warm reads without SQL), throttled like it, and refused as problem+json. Lists come
in the HSDS `Page` wrapper; filters are cumulative (AND), as the reference requires.
"""

import math
from collections.abc import Callable
from datetime import datetime, time
from typing import Any, ClassVar

from django.http import HttpResponseBase
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from api.caching import content_response
from api.caching_edge import HSDS_KEY
from api.hsds import mapping
from api.hsds.openapi import hsds_openapi
from api.language import response_language
from api.renderers import dumps
from api.throttling import ContentReadThrottle
from content import selectors

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
# Filters of the reference this API cannot answer truthfully (no geocoding): refused, not ignored, since
# ignoring one would return results the caller did not ask for.
_UNSUPPORTED = ("postcode", "proximity")


def _boolean(params: Any, name: str) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError({name: ["Use true or false."]})


def _positive(params: Any, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        raise ValidationError({name: ["Use a whole number from 1."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"At most {maximum}."]})
    return value


def _moment(params: Any, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip().replace(" ", "+")  # a `+` of an offset arrives as a space when the caller did not encode it
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({name: ["Use an ISO 8601 date or date-time, e.g. 2026-11-01T00:00:00-07:00."]})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class HSDSView(APIView):
    """One HSDS endpoint: `contents()` gives its objects (mapped, in the active language), filtered here."""

    throttle_classes = [ContentReadThrottle]
    # Described by its own document (api.hsds.openapi, linked from `GET /hsds/`), not by /api/schema/.
    schema = None
    # The query parameters this endpoint reads (and its cache key's parts).
    params: ClassVar[tuple[str, ...]] = ()
    detail: ClassVar[bool] = False

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _options(self, request: Request) -> dict[str, Any]:
        """The parameters, validated and normalised: a bad value answers 400 before anything is cached."""
        params = request.query_params
        for name in _UNSUPPORTED:
            if name in self.params and params.get(name):
                raise ValidationError({name: ["Not supported: the center has one site, in Phoenix, Arizona."]})
        if "format" in self.params and params.get("format", "json").strip().lower() not in ("", "json"):
            raise ValidationError({"format": ["Only json is served."]})
        options: dict[str, Any] = {}
        for name in ("minimal", "full", "full_service", "top_only"):
            if name in self.params:
                options[name] = _boolean(params, name)
        for name in ("search", "taxonomy_term_id", "taxonomy_id", "organization_id", "parent_id"):
            if name in self.params:
                options[name] = " ".join(params.get(name, "").split()).lower()
        if "modified_after" in self.params:
            options["modified_after"] = _moment(params, "modified_after")
        if not self.detail:
            options["page"] = _positive(params, "page", 1)
            options["per_page"] = _positive(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        return options

    @staticmethod
    def _canonical(options: dict[str, Any], kwargs: dict[str, Any]) -> list[tuple[str, str]]:
        pairs = [
            (name, value.isoformat() if isinstance(value, datetime) else str(value)) for name, value in options.items()
        ]
        return sorted([*pairs, *((f"path:{name}", str(value)) for name, value in kwargs.items())])

    def get(self, request: Request, **kwargs: Any) -> HttpResponseBase:
        lang = response_language(request)
        options = self._options(request)

        def render() -> bytes:
            with translation.override(lang):
                return dumps(self.body(selectors.directory_get(), options, **kwargs))

        return content_response(
            request,
            renderer=render,
            query=self._canonical(options, kwargs),
            known=self.params,
            lang=lang,
            keys=[HSDS_KEY],
        )

    def body(self, directory: selectors.Directory, options: dict[str, Any], **kwargs: Any) -> Any:
        if self.detail:
            found = [item for item in self.contents(directory, options) if item["id"] == kwargs["id"].lower()]
            if not found:
                raise NotFound("No such item.")
            return found[0]
        return page(self._filtered(self.contents(directory, options), options), options)

    def _filtered(self, items: list[dict[str, Any]], options: dict[str, Any]) -> list[dict[str, Any]]:
        search = options.get("search")
        if search:
            fields = ("name", "alternate_name", "description", "code", "eligibility_description")
            items = [item for item in items if any(search in str(item.get(field, "")).lower() for field in fields)]
        return items


def page(items: list[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    """The HSDS `Page` wrapper around one page of `items`; a page past the last answers 404, as `/api/v1/`."""
    number, size = options["page"], options["per_page"]
    total = len(items)
    pages = max(1, math.ceil(total / size))
    if number > pages:
        raise NotFound("Invalid page.")
    contents = items[(number - 1) * size : number * size]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number == pages,
        "empty": total == 0,
        "contents": contents,
    }


_LIST = ("search", "page", "per_page", "format")
_SERVICE_FILTERS = ("taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after")


class _ServiceFiltered(HSDSView):
    """Filters on the services (by term, taxonomy, organization, modification): services and their sites."""

    def _services(self, directory: selectors.Directory, options: dict[str, Any]) -> list[tuple[Any, dict]]:
        """Each live program that passes the filters, with its nested service object."""
        terms_of_taxonomy: dict[str, set[str]] = {}
        for term in mapping.taxonomy_terms(directory):
            terms_of_taxonomy.setdefault(term["taxonomy_id"], set()).add(term["id"])
        found = []
        for program in directory.programs:
            service = mapping.service(program, directory, nested=True)
            terms = mapping.term_ids(service)
            if options.get("taxonomy_term_id") and options["taxonomy_term_id"] not in terms:
                continue
            if options.get("taxonomy_id") and not terms & terms_of_taxonomy.get(options["taxonomy_id"], set()):
                continue
            if options.get("organization_id") and options["organization_id"] != service["organization_id"]:
                continue
            after = options.get("modified_after")
            if after is not None and datetime.fromisoformat(service["last_modified"]) < after:
                continue
            found.append((program, service))
        return found


class ServiceListView(_ServiceFiltered):
    params: ClassVar[tuple[str, ...]] = (*_LIST, *_SERVICE_FILTERS, "minimal", "full")

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        services = self._services(directory, options)
        if options["full"]:
            return [service for _, service in services]
        if options["minimal"]:
            # The reference's "just id and modified date"; name and status too, as the schema requires them.
            keep = ("id", "name", "status", "last_modified")
            return [{name: service[name] for name in keep} for _, service in services]
        return [mapping.service(program, directory, nested=False) for program, _ in services]


class ServiceDetailView(_ServiceFiltered):
    detail = True

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        return [mapping.service(program, directory, nested=True) for program in directory.programs]


class ServiceAtLocationListView(_ServiceFiltered):
    params: ClassVar[tuple[str, ...]] = (*_LIST, *_SERVICE_FILTERS, "full", "postcode", "proximity")

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        if directory.profile is None:
            return []
        return [
            mapping.service_at_location(program, directory, nested=options["full"])
            for program, _ in self._services(directory, options)
        ]


class ServiceAtLocationDetailView(_ServiceFiltered):
    detail = True

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        if directory.profile is None:
            return []
        return [mapping.service_at_location(program, directory, nested=True) for program in directory.programs]


class OrganizationListView(_ServiceFiltered):
    params: ClassVar[tuple[str, ...]] = (*_LIST, "full_service", "full", "taxonomy_term_id", "taxonomy_id")

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        if (options.get("taxonomy_term_id") or options.get("taxonomy_id")) and not self._services(directory, options):
            return []  # the one organization provides no service with that term
        return [_organization(directory, full=options["full"] or options["full_service"], options=options)]


class OrganizationDetailView(_ServiceFiltered):
    params: ClassVar[tuple[str, ...]] = ("full_service",)
    detail = True

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        return [_organization(directory, full=True, options=options)]


def _organization(directory: selectors.Directory, *, full: bool, options: dict[str, Any]) -> dict[str, Any]:
    found = mapping.organization(directory.profile, full=full)
    if full:
        # The compiled organization's service array: ids only, or whole services with `full_service`.
        services = [mapping.service(program, directory, nested=True) for program in directory.programs]
        found["services"] = services if options.get("full_service") else [{"id": s["id"]} for s in services]
    return found


class TaxonomyListView(HSDSView):
    params: ClassVar[tuple[str, ...]] = _LIST

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        return [mapping.taxonomy(item) for item in mapping.TAXONOMIES]


class TaxonomyDetailView(TaxonomyListView):
    params: ClassVar[tuple[str, ...]] = ()
    detail = True


class TaxonomyTermListView(HSDSView):
    params: ClassVar[tuple[str, ...]] = (*_LIST, "taxonomy_id", "top_only", "parent_id")

    def contents(self, directory: selectors.Directory, options: dict[str, Any]) -> list[dict[str, Any]]:
        terms = mapping.taxonomy_terms(directory)
        if options.get("taxonomy_id"):
            terms = [term for term in terms if term["taxonomy_id"] == options["taxonomy_id"]]
        if options.get("parent_id"):
            terms = [term for term in terms if term.get("parent_id") == options["parent_id"]]
        # Every term is top-level (no term has a parent): `top_only` keeps them all.
        return terms


class TaxonomyTermDetailView(TaxonomyTermListView):
    params: ClassVar[tuple[str, ...]] = ()
    detail = True


class RootView(APIView):
    """`GET /hsds/`: the HSDS version, profile and this API's OpenAPI document."""

    throttle_classes = [ContentReadThrottle]
    # Described by its own document (api.hsds.openapi, linked from `GET /hsds/`), not by /api/schema/.
    schema = None

    def get(self, request: Request) -> HttpResponseBase:
        def render() -> bytes:
            return dumps(
                {
                    "version": mapping.HSDS_VERSION,
                    "profile": mapping.PROFILE_URL,
                    "openapi_url": request.build_absolute_uri("/hsds/openapi.json"),
                }
            )

        return content_response(request, renderer=render, query=[], known=(), lang="en", keys=[HSDS_KEY])


class OpenAPIView(APIView):
    """This HSDS API as an OpenAPI 3.1 document (the reference's, narrowed to what is served here)."""

    throttle_classes = [ContentReadThrottle]
    # Described by its own document (api.hsds.openapi, linked from `GET /hsds/`), not by /api/schema/.
    schema = None

    def get(self, request: Request) -> HttpResponseBase:
        render: Callable[[], bytes] = lambda: dumps(hsds_openapi(base_url=request.build_absolute_uri("/hsds")))  # noqa: E731
        return content_response(request, renderer=render, query=[], known=(), lang="en", keys=[HSDS_KEY])
