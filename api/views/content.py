"""Content endpoints: read-only, public, cached under the content version (see api.caching)."""

import functools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from api import examples, filters
from api.caching import content_response, preview_response
from api.caching_edge import SITE_KEY, list_key, query_key
from api.caching_edge import record as record_edge_keys
from api.exceptions import MovedPermanently
from api.fields import FIELDS_PARAM, field_names, list_field_names, selected_fields
from api.filters import canonical_value
from api.language import LANG_PARAM, response_language
from api.renderers import dumps
from api.schema import content_schema, feed_schema, site_schema
from api.serializers import content as serializers
from api.throttling import ContentReadThrottle
from content import i18n, preview, selectors
from content.edge_keys import MEDIA_TYPE
from content.events import ITEM_TYPES
from content.models import SlugHistory

# `lang` is not among them: the negotiated language is a part of the cache key of its own (api.caching).
_PAGE, _PAGE_SIZE = "page", "page_size"
_COMMON_PARAMS = (_PAGE, _PAGE_SIZE, FIELDS_PARAM)
# An editor's draft preview token (content.preview), as a query parameter or a header.
PREVIEW_PARAM = "preview"
PREVIEW_HEADER = "Content-Preview-Token"
_PREVIEW_META = "HTTP_CONTENT_PREVIEW_TOKEN"


def preview_token_of(request: HttpRequest) -> str | None:
    """The preview token a request carries, or None; an empty one is still a (bad) token, never ignored."""
    if PREVIEW_PARAM in request.GET:
        return request.GET[PREVIEW_PARAM]
    return request.META.get(_PREVIEW_META)


@functools.cache
def _query_params_of(viewset: type) -> tuple[str, ...]:
    """The query parameters that change a response of this viewset (the cache key's parts)."""
    filterset_class = getattr(viewset, "filterset_class", None)
    names = tuple(filterset_class.base_filters) if filterset_class else ()
    return (*_COMMON_PARAMS, *names)


class ContentListViewSet(viewsets.GenericViewSet):
    """List live items of one kind; the selector decides what is live."""

    throttle_classes = [ContentReadThrottle]
    # Called with `relations=`: the selected fields, so only the related sets shown are prefetched.
    selector: ClassVar[Callable[..., QuerySet]]
    # Serializer fields → model columns loaded only when the field is asked for (they are large).
    deferrable: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Columns no response shows.
    never_loaded: ClassVar[tuple[str, ...]] = ("editor_notes",)
    # The negotiated language of the response being rendered (api.language).
    _lang: str = i18n.DEFAULT_LANGUAGE
    # This request's canonical query, once computed (`_canonical_query`).
    _canonical: list[tuple[str, str]] | None = None

    def get_queryset(self) -> QuerySet:
        return type(self).selector()

    def _queryset_for(self, fields: list[str], *, drafts: bool = False) -> QuerySet:
        needed = {column for field, columns in self.deferrable.items() if field in fields for column in columns}
        deferred = [
            column
            for field, columns in self.deferrable.items()
            if field not in fields
            for column in columns
            if column not in needed
        ]
        selector = type(self).selector
        queryset = selector(relations=fields, drafts=True) if drafts else selector(relations=fields)
        # A translated name given to defer() stands for its every language (modeltranslation); then the
        # columns this language never reads (other languages', the untranslated copy) go too, through
        # Django's own defer(), which takes them as the exact columns they are.
        queryset = self.filter_queryset(queryset).defer(*self.never_loaded, *deferred)
        return QuerySet.defer(queryset, *i18n.unread_columns(queryset.model, self._lang))

    def _fields(self) -> list[str]:
        return selected_fields(self.request, self.get_serializer_class(), many=self.action == "list")

    def _context(self, fields: list[str]) -> dict[str, Any]:
        context = self.get_serializer_context()
        context["fields"] = fields
        context["lang"] = self._lang
        if "json_ld" in fields:
            context["organization_name"] = selectors.organization_name()
            record_edge_keys(SITE_KEY)  # the site profile's name is in the JSON-LD: its changes purge this page
        return context

    def _query_params(self) -> tuple[str, ...]:
        return _query_params_of(type(self))

    def _canonical_query(self) -> list[tuple[str, str]]:
        """What this request asks for, as sorted (name, value) pairs, the same for every request that means
        the same: the last value of a repeated name (as Django and django-filter read it), sparse fields as
        a sorted set, defaults (page 1, the page size, the default fields) left out, every slug of no live
        item alike, unknown parameters dropped. The response cache keys on it, and a list's page links are
        built from it, so a cached page is the same whichever spelling rendered it. Values that will fail
        validation are kept as sent: the render refuses them and nothing is stored."""
        if self._canonical is not None:
            return self._canonical
        params = self.request.query_params
        pairs: list[tuple[str, str]] = []
        if FIELDS_PARAM in params:
            fields = sorted(set(self._fields()))
            serializer_class = self.get_serializer_class()
            listed = list_field_names(serializer_class) if self.action == "list" else None
            default = listed or field_names(serializer_class)
            if fields != sorted(set(default)):
                pairs.append((FIELDS_PARAM, ",".join(fields)))
        if self.action == "list":  # an item's page takes no paging
            page = params.get(_PAGE)
            if page is not None and page != "1":
                pairs.append((_PAGE, page))
            page_size = params.get(_PAGE_SIZE)
            if page_size is not None and page_size.isascii() and page_size.isdigit():
                page_size = page_size.lstrip("0") or "0"  # `020` is 20 (no int(): it may be 5,000 digits)
            if page_size is not None and page_size != str(self.paginator.page_size):  # type: ignore[union-attr]
                pairs.append((_PAGE_SIZE, page_size))
        filterset_class = getattr(self, "filterset_class", None)
        for name, filter_ in filterset_class.base_filters.items() if filterset_class else ():
            raw = params.get(name)
            value = canonical_value(filter_, raw) if raw is not None else None
            if value is not None:
                pairs.append((name, value))
        self._canonical = sorted(pairs)
        return self._canonical

    def page_link_query(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The query of a list's `next`/`previous` link: this request's canonical query with the link's page,
        and its language, so that whoever follows the link gets that page of the same list (the page is
        cached and shared by every request that means the same)."""
        page = [(name, value) for name, value in pairs if name == _PAGE]
        query = [(name, value) for name, value in self._canonical_query() if name != _PAGE]
        return sorted([*query, *page, (LANG_PARAM, self._lang)])

    def _render_list(self) -> bytes:
        fields = self._fields()
        page = self.paginate_queryset(self._queryset_for(fields))
        serializer_class = self.get_serializer_class()
        data = serializer_class(page, many=True, context=self._context(fields)).data
        return dumps(self.paginator.get_paginated_data(data))  # type: ignore[union-attr]

    def _in_language(self, render: Callable[[], bytes]) -> Callable[[], bytes]:
        """`render` with the response's language active: translated fields read its columns (modeltranslation)."""

        def rendered() -> bytes:
            with translation.override(self._lang):
                return render()

        return rendered

    def _item_type(self) -> str:
        return ITEM_TYPES[self.get_queryset().model]

    def _list_keys(self) -> list[str]:
        """The list's surrogate keys (api.caching_edge): its kind, and whether an edit can change its members."""
        item_type = self._item_type()
        narrowed = any(name not in _COMMON_PARAMS for name, _ in self._canonical_query())
        return [list_key(item_type), *([query_key(item_type)] if narrowed else [])]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self._respond(request, self._render_list, keys=self._list_keys())

    def _respond(self, request: Request, render: Callable[[], bytes], *, keys: Sequence[str] = ()) -> HttpResponseBase:
        """The cached response of `render` in the request's language (api.caching), with the view's edge keys."""
        self._lang = response_language(request)
        return content_response(
            request,
            renderer=self._in_language(render),
            query=self._canonical_query(),
            known=self._query_params(),
            lang=self._lang,
            keys=keys,
        )


class ContentViewSet(ContentListViewSet):
    """List and retrieve (by slug) live items with a structured body."""

    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    # `body_html` reads `body_json` too: a body with image blocks is rendered from them when read
    # (api.serializers.content.body_with_images).
    deferrable = {"body": ("body_json",), "body_html": ("body_html", "body_json")}
    # `body` (jsonb) is for editors; the API embeds the same blocks from `body_json`.
    never_loaded = ("editor_notes", "body", "body_text")
    # The type a preview token must name (content.preview.PREVIEW_TYPES).
    preview_type: ClassVar[str]

    def _render_detail(self) -> bytes:
        fields = self._fields()
        item = self._queryset_for(fields).filter(slug=self.kwargs["slug"]).first()
        if item is None:
            self._redirect_if_renamed()
            raise NotFound()
        return dumps(self.get_serializer_class()(item, context=self._context(fields)).data)

    def _redirect_if_renamed(self) -> None:
        """An old slug of a live item answers 301 to its current path (after the item lookup missed, so a
        found item costs nothing, and a slug another item now has is that item's)."""
        model = self.get_queryset().model
        if model not in SlugHistory.ITEM_FIELDS:
            return
        current = selectors.slug_redirect_target(model=model, slug=self.kwargs["slug"])
        if current is None:
            return
        path = self.request.path.removesuffix(f"{self.kwargs['slug']}/") + f"{current}/"
        query = self.request.META.get("QUERY_STRING", "")
        location = self.request.build_absolute_uri(f"{path}?{query}" if query else path)
        raise MovedPermanently(
            location=location, detail=f"This item's slug is now `{current}`; it moved to the path in `Location`."
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self._lang = response_language(request)
        token = preview_token_of(request)
        if token is not None:
            body = self._in_language(lambda: self._render_preview(token))()
            return preview_response(body, lang=self._lang)
        return self._respond(request, self._render_detail)

    def _render_preview(self, token: str) -> bytes:
        """The item the token opens, in its saved state whatever its status; the slug must be the item's."""
        item_id = preview.preview_token_check(token=token, content_type=self.preview_type)
        fields = self._fields()
        item = self._queryset_for(fields, drafts=True).filter(pk=item_id, slug=self.kwargs["slug"]).first()
        if item is None:
            raise NotFound()
        return dumps(self.get_serializer_class()(item, context=self._context(fields)).data)


@content_schema(
    "programs",
    list_summary="List the programs (levels of care)",
    detail_summary="Read one program",
    example=examples.PROGRAM,
)
class ProgramViewSet(ContentViewSet):
    selector = staticmethod(selectors.program_list)
    preview_type = "programs"
    serializer_class = serializers.ProgramSerializer
    filterset_class = filters.ProgramFilter

    def _context(self, fields: list[str]) -> dict[str, Any]:
        context = super()._context(fields)
        if "insurance" in fields:  # once per response, not once per program
            context["insurance_plans"] = selectors.insurance_plan_list()
        return context


@content_schema(
    "therapies",
    list_summary="List the therapy modalities",
    detail_summary="Read one therapy modality",
    example=examples.THERAPY,
)
class TherapyViewSet(ContentViewSet):
    selector = staticmethod(selectors.therapy_list)
    preview_type = "therapies"
    serializer_class = serializers.TherapySerializer
    filterset_class = filters.TherapyFilter


@content_schema(
    "articles", list_summary="List and search articles", detail_summary="Read one article", example=examples.ARTICLE
)
class ArticleViewSet(ContentViewSet):
    selector = staticmethod(selectors.article_list)
    preview_type = "articles"
    serializer_class = serializers.ArticleSerializer
    filterset_class = filters.ArticleFilter


@content_schema("faqs", list_summary="List frequently asked questions", example=examples.FAQ)
class FAQViewSet(ContentListViewSet):
    selector = staticmethod(selectors.faq_list)
    serializer_class = serializers.FAQSerializer
    filterset_class = filters.FAQFilter


@content_schema("testimonials", list_summary="List published testimonials", example=examples.TESTIMONIAL)
class TestimonialViewSet(ContentListViewSet):
    selector = staticmethod(selectors.testimonial_list)
    serializer_class = serializers.TestimonialSerializer
    filterset_class = filters.TestimonialFilter


class FeedViewSet(ContentListViewSet):
    """A list computed whole by a selector (not a queryset of one model), paged and cached like the rest."""

    filter_backends = ()
    feed: ClassVar[Callable[[], list[Any]]]

    # The feed's surrogate key: every content event of a kind that changes it purges it (notifications.edge).
    edge_key: ClassVar[str]

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError("a feed has no queryset; see `feed`")

    def _list_keys(self) -> list[str]:
        return [type(self).edge_key]

    def _fields(self) -> list[str]:
        return field_names(self.get_serializer_class())  # no sparse fieldsets: the entries are small

    def _query_params(self) -> tuple[str, ...]:
        return (_PAGE, _PAGE_SIZE)

    def _entries(self) -> list[Any]:
        return type(self).feed()

    def _render_list(self) -> bytes:
        page = self.paginate_queryset(self._entries())  # type: ignore[arg-type]  # Django pages lists too
        data = self.get_serializer_class()(page, many=True, context=self._context([])).data
        return dumps(self.paginator.get_paginated_data(data))  # type: ignore[union-attr]


@feed_schema(
    "redirects",
    summary="List the public-path redirects",
    description="Every redirect the website should install, by `old_path`: the old slugs of live programs, "
    "therapies and articles (kept when an editor renames one) and the redirects editors add in the admin (an "
    "old website's URLs). The list has no chains and no loops: each `new_path` is a final destination. A live "
    "page wins over a redirect from its path. Fetch every page at build time (Next.js `redirects()`).",
    serializer=serializers.RedirectSerializer,
    example=examples.REDIRECT,
)
class RedirectViewSet(FeedViewSet):
    edge_key = "redirects"
    feed = staticmethod(selectors.redirect_list)
    serializer_class = serializers.RedirectSerializer


@feed_schema(
    "sitemap",
    summary="List every public page, for the sitemap",
    description="Every page the live content implies, at its public path: the home page (once the site profile "
    "exists), each list page with something on it (`/programs/`, `/therapies/`, `/articles/`, `/faqs/`, "
    "`/testimonials/`), and each live program, therapy and article. `lastmod` is when the page last changed as a "
    "visitor sees it. `alternates` gives the Spanish page (`/es` before the path) where a Spanish version exists: "
    "for an item, when its title and its body are both written in Spanish; for a list or the home page, when "
    "one of its items has one. A scheduled item appears at its go-live time, never before. `images` is empty "
    "until the content has media. Home page first, then lists, then programs, therapies and articles in their "
    "list order.",
    serializer=serializers.SitemapEntrySerializer,
    example=examples.SITEMAP_ENTRY,
)
class SitemapViewSet(FeedViewSet):
    edge_key = "sitemap"
    feed = staticmethod(selectors.sitemap_entries)
    serializer_class = serializers.SitemapEntrySerializer


_PROGRAM = "program"


@feed_schema(
    "insurance",
    summary="List the insurance accepted",
    description="Every payer and plan the center accepts (AHCCCS plans, Medicare, commercial payers, self-pay), "
    "each with its network status per live program: `in_network`, `out_of_network_with_benefits` or "
    "`single_case_agreement_possible`. A program that does not accept a plan is left out of its `programs`. "
    "`?program=iop` lists only the plans that program accepts (a slug of no live program: an empty list). "
    "Empty until editors enter the list: nothing is assumed.",
    serializer=serializers.InsurancePlanSerializer,
    example=examples.INSURANCE_PLAN,
    parameters=[OpenApiParameter(_PROGRAM, str, description="A live program's slug, e.g. `iop`: its plans only.")],
)
class InsuranceViewSet(FeedViewSet):
    edge_key = "insurance"
    serializer_class = serializers.InsurancePlanSerializer

    # The same reading of a program slug as the content lists' filters: every slug of no live program alike.
    _program_filter = filters.LiveSlugFilter(kind="programs")

    def _program_slug(self) -> str | None:
        return self._program_filter.canonical(self.request.query_params.get(_PROGRAM, ""))

    def _query_params(self) -> tuple[str, ...]:
        return (_PAGE, _PAGE_SIZE, _PROGRAM)

    def _canonical_query(self) -> list[tuple[str, str]]:
        pairs = [pair for pair in super()._canonical_query() if pair[0] != _PROGRAM]
        slug = self._program_slug()
        self._canonical = sorted([*pairs, *([(_PROGRAM, slug)] if slug else [])])
        return self._canonical

    def _entries(self) -> list[Any]:
        slug = self._program_slug()
        if slug == filters.NO_LIVE_ITEM:
            return []
        program = selectors.program_list(relations=()).filter(slug=slug).first() if slug else None
        return selectors.insurance_plan_list(program=program)


@feed_schema(
    "menus",
    summary="List the navigation menus",
    description="Every menu (header, footer, and any editors add), by slug, each with its items in order and one "
    "level of children, in the negotiated language. A link to a program, therapy or article carries the item's "
    "current public path (it follows slug changes); one to an item that is not live is left out, with its "
    "children, rather than broken.",
    serializer=serializers.MenuSerializer,
    example=examples.MENU,
    detail_summary="Read one navigation menu",
    detail_description="The menu with this slug (`header`, `footer`, …), its items resolved as in the list.",
)
class MenuViewSet(FeedViewSet):
    edge_key = "menus"
    feed = staticmethod(selectors.menu_list)
    serializer_class = serializers.MenuSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def _render_detail(self) -> bytes:
        found = selectors.menu_list(slug=self.kwargs["slug"])
        if not found:
            raise NotFound()
        return dumps(self.get_serializer_class()(found[0]).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self._respond(request, self._render_detail, keys=self._list_keys())


@feed_schema(
    "media",
    summary="List the images live content shows",
    description="Every image that a live program, therapy or article shows (its hero image, or an image block in "
    "its body), newest first, as "
    "image objects: the URL and size of the largest JPEG, alt text in the requested language (English when not "
    "translated), credit and licence, a BlurHash placeholder, the focal point, every rendition (AVIF, WebP and "
    "JPEG at 320 to 1920 pixels, never upscaled, and 16:9, 4:3 and square crops around the focal point) and a "
    "`srcset` per format for `<picture>`. File names are content hashes, served with a year's immutable "
    "caching. An image only a draft uses is not listed until the draft goes live.",
    serializer=serializers.MediaImageSerializer,
    example=examples.MEDIA_IMAGE,
    detail_summary="Read one image",
    detail_description="The image with this id, if live content shows it (else 404), as in the list.",
)
class MediaViewSet(FeedViewSet):
    feed = staticmethod(selectors.media_list)
    edge_key = list_key(MEDIA_TYPE)
    serializer_class = serializers.MediaImageSerializer
    lookup_field = "id"
    lookup_value_regex = r"[0-9]{1,9}"

    def _render_detail(self) -> bytes:
        found = selectors.media_get(asset_id=int(self.kwargs["id"]))
        if found is None:
            raise NotFound()
        return dumps(self.get_serializer_class()(found, context=self._context([])).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self._respond(request, self._render_detail)


class SiteProfileView(APIView):
    throttle_classes = [ContentReadThrottle]

    @site_schema
    def get(self, request: Request) -> HttpResponseBase:
        lang = response_language(request)

        def render() -> bytes:
            with translation.override(lang):
                profile = selectors.site_profile_get()
                if profile is None:
                    raise NotFound("The site profile has not been set up yet.")
                return dumps(serializers.SiteProfileSerializer(profile, context={"lang": lang}).data)

        return content_response(request, renderer=render, query=[], known=(), lang=lang, keys=[SITE_KEY])
