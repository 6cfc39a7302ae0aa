"""Reads of live content, with their related rows already fetched (a constant number of queries).

List selectors take `relations`: the related sets the caller will show. Only those are fetched, so a
sparse fieldset that leaves them out costs no query for them. Each set lands in a plain list attribute,
`prefetched_<relation>`: forward many-to-many relations as plain values (one query each, no model
instances), reverse ones through Django's prefetch with `to_attr` (no queryset built per row).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Greatest, NullIf

from content.i18n import DEFAULT_LANGUAGE, fallback_order
from content.models import (
    FAQ,
    Article,
    InsurancePlan,
    MediaAsset,
    Menu,
    MenuItem,
    NetworkStatus,
    Program,
    ProgramAvailability,
    ProgramInsurance,
    PublicationStatus,
    Redirect,
    SiteProfile,
    SlugHistory,
    Tag,
    Testimonial,
    Therapy,
    body_image_ids,
)
from content.paths import LIST_PATHS, language_path, page_path

ALL = None  # `relations=ALL`: prefetch every related set


# Slugs of live items by kind, for the current content version only: {token: {kind: slugs}}.
_live_slugs: dict[str, dict[str, frozenset[str]]] = {}


def _query_live_slugs(kind: str) -> frozenset[str]:
    if kind == "tags":  # a tag is public once a live article carries it
        queryset = Tag.objects.filter(articles__in=Article.objects.live()).distinct()
    else:
        queryset = {"programs": Program, "therapies": Therapy}[kind].objects.live()
    return frozenset(queryset.values_list("slug", flat=True))


def live_slugs(kind: str) -> frozenset[str]:
    """Slugs of live `programs`, `therapies` or `tags`, kept in memory per content version (a scheduled
    item counts once live). Filters use them so that an unpublished slug answers exactly as one that does
    not exist, and the response cache keys every unknown slug alike."""
    from django.core.cache import cache

    from content.versioning import VERSION_KEY, content_version

    try:
        token = content_version(cache.get(VERSION_KEY))["token"]
    except Exception:  # Redis down: ask the database
        return _query_live_slugs(kind)
    by_kind = _live_slugs.get(token)
    if by_kind is None:
        _live_slugs.clear()
        by_kind = _live_slugs[token] = {}
    slugs = by_kind.get(kind)
    if slugs is None:
        slugs = by_kind[kind] = _query_live_slugs(kind)
    return slugs


def live_program_slugs() -> frozenset[str]:
    return live_slugs("programs")


def site_profile_get() -> SiteProfile | None:
    return SiteProfile.objects.filter(id=1).first()


def organization_name() -> str:
    return SiteProfile.objects.filter(id=1).values_list("name", flat=True).first() or ""


def _live_programs() -> QuerySet[Program]:
    return Program.objects.live().only("slug", "name", "short_name")


def _wanted(available: Mapping[str, Any], relations: Collection[str] | None) -> list[str]:
    return list(available) if relations is None else [name for name in available if name in relations]


def _prefetch(queryset: QuerySet, available: Mapping[str, QuerySet], relations: Collection[str] | None) -> QuerySet:
    """Reverse relations (a therapy's programs, a program's FAQs): Django's prefetch, into plain lists."""
    return queryset.prefetch_related(
        *(
            Prefetch(name, queryset=available[name], to_attr=f"prefetched_{name}")
            for name in _wanted(available, relations)
        )
    )


# Forward many-to-many relations, fetched as values (PublishableQuerySet.with_related_values).
_PROGRAM_REF = ("slug", "name", "short_name")
_THERAPY_REF = ("slug", "name", "abbreviation")
_TAG_REF = ("slug", "name")


def _hero(relations: Collection[str] | None) -> list[str]:
    """The hero image's row, joined when the response shows it."""
    return ["hero_image"] if relations is None or "hero_image" in relations else []


def _items(model: type[Program] | type[Therapy] | type[Article], *, drafts: bool) -> Any:
    # `drafts`: every saved item whatever its status or publish_at, for an editor's preview (content.preview).
    return model.objects.all() if drafts else model.objects.live()


def program_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Program]:
    values = {"therapies": _THERAPY_REF}
    programs = (
        _items(Program, drafts=drafts)
        .select_related("availability", *_hero(relations))
        .with_related_values(**{name: values[name] for name in _wanted(values, relations)})
    )
    faqs = {"faqs": FAQ.objects.live().only("id", "question", "answer", "order", "program_id")}
    return _prefetch(programs, faqs, relations)


def therapy_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Therapy]:
    available = {"programs": _live_programs()}
    return _prefetch(_items(Therapy, drafts=drafts).select_related(*_hero(relations)), available, relations)


def article_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Article]:
    values = {"tags": _TAG_REF, "related_programs": _PROGRAM_REF, "related_therapies": _THERAPY_REF}
    return (
        _items(Article, drafts=drafts)
        .select_related(*_hero(relations))
        .with_related_values(**{name: values[name] for name in _wanted(values, relations)})
    )


# PostgreSQL text search configuration (stemming, stop words) per content language.
_SEARCH_CONFIG = {"en": "english", "es": "spanish"}


def _localized_text(name: str, lang: str) -> Any:
    """A translated column in `lang`, or the English one where it is empty (as a reader sees it)."""
    if lang == DEFAULT_LANGUAGE:
        return F(f"{name}_{lang}")
    # modeltranslation makes a field class per translated field: Django needs the result's type said.
    return Coalesce(NullIf(F(f"{name}_{lang}"), Value("")), F(f"{name}_{DEFAULT_LANGUAGE}"), output_field=TextField())


def article_search(*, articles: QuerySet[Article], text: str, lang: str = DEFAULT_LANGUAGE) -> QuerySet[Article]:
    """Full-text search ranked by relevance on PostgreSQL; a plain substring match elsewhere (SQLite).

    It searches the text a reader of `lang` sees (English where the Spanish is missing) with the stemming
    of `lang`, so `?lang=es&search=terapias` finds "terapia".
    """
    if connection.vendor == "postgresql":
        config = _SEARCH_CONFIG.get(lang, "simple")
        query = SearchQuery(text, search_type="websearch", config=config)
        vector = (
            SearchVector(_localized_text("title", lang), weight="A", config=config)
            + SearchVector(_localized_text("summary", lang), weight="B", config=config)
            + SearchVector(_localized_text("body_text", lang), weight="C", config=config)
        )
        return (
            articles.annotate(search_vector=vector, search_rank=SearchRank(vector, query))
            .filter(search_vector=query)
            .order_by(F("search_rank").desc(), "-publish_at", "id")
        )
    columns = [f"{name}_{code}" for name in ("title", "summary", "body_text") for code in fallback_order(lang)]
    match = Q()
    for column in columns:
        match |= Q(**{f"{column}__icontains": text})
    return articles.filter(match)


def faq_list(*, relations: Collection[str] | None = ALL) -> QuerySet[FAQ]:
    return FAQ.objects.live().select_related("program")


def testimonial_list(*, relations: Collection[str] | None = ALL) -> QuerySet[Testimonial]:  # noqa: PT028
    # The check constraint already keeps samples and unconsented quotes unpublished; this says it twice.
    return Testimonial.objects.live().filter(consent_on_file=True, is_sample=False).select_related("program")


def slug_redirect_target(*, model: type, slug: str) -> str | None:
    """The current slug of the live item that once had `slug`, or None (no such history, or the item is not
    live: its old slugs then answer as it does). One query; call it only once the item lookup has missed."""
    field = SlugHistory.ITEM_FIELDS[model]
    live = model.objects.live()  # type: ignore[attr-defined]
    return (
        SlugHistory.objects.filter(old_slug=slug, **{f"{field}__in": live})
        .values_list(f"{field}__slug", flat=True)
        .first()
    )


@dataclass(frozen=True)
class PublicRedirect:
    old_path: str
    new_path: str
    permanent: bool
    external: bool
    # "slug_change" (kept when an editor renamed a live item) or "manual" (added in the admin).
    source: str


def redirect_list() -> list[PublicRedirect]:
    """Every public-path redirect, by old path: live items' old slugs, and the editors' own redirects.

    A live page wins over any redirect from its path (a slug reused by another item); an editor's redirect
    wins over a slug change's from the same path. A hand-made redirect to a path that an old slug now names
    goes straight to the item's current path: the list has no chains. A constant number of queries.
    """
    live_paths: set[str] = set()
    automatic: dict[str, str] = {}
    for model, field in SlugHistory.ITEM_FIELDS.items():
        items = model.objects.live().only("slug", "canonical_path")  # type: ignore[attr-defined]
        live_paths |= {page_path(item) for item in items}
        rows = SlugHistory.objects.filter(**{f"{field}__in": model.objects.live()}).values_list(  # type: ignore[attr-defined]
            "old_slug", f"{field}__slug", f"{field}__canonical_path"
        )
        for old_slug, slug, canonical_path in rows:
            old_path = f"{LIST_PATHS[model]}{old_slug}/"
            automatic[old_path] = canonical_path or f"{LIST_PATHS[model]}{slug}/"
    entries: dict[str, PublicRedirect] = {
        old_path: PublicRedirect(old_path, new_path, permanent=True, external=False, source="slug_change")
        for old_path, new_path in automatic.items()
        if old_path != new_path and old_path not in live_paths
    }
    for old_path, new_path, permanent, external in Redirect.objects.values_list(
        "old_path", "new_path", "permanent", "is_external"
    ):
        if old_path in live_paths:
            continue
        target = new_path if external else automatic.get(new_path, new_path)
        entries[old_path] = PublicRedirect(old_path, target, permanent=permanent, external=external, source="manual")
    return [entries[old_path] for old_path in sorted(entries)]


@dataclass(frozen=True)
class SitemapAlternate:
    lang: str
    path: str


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    # "site", "list", or the item's type ("program", "therapy", "article").
    type: str
    lastmod: datetime
    alternates: list[SitemapAlternate] = dataclass_field(default_factory=list)
    images: list[str] = dataclass_field(default_factory=list)


# The column that titles each kind of page: with a body, what makes a Spanish version of it.
_TITLE_FIELD: dict[type, str] = {Program: "name", Therapy: "name", Article: "title"}
_SITEMAP_TYPES: dict[type, str] = {Program: "program", Therapy: "therapy", Article: "article"}


def _has_spanish(model: type) -> ExpressionWrapper:
    """A page has a Spanish version when both its title and its body are written in Spanish: a page whose
    body a Spanish reader would get in English is not one to offer search engines as Spanish."""
    title = f"{_TITLE_FIELD[model]}_es"
    written = ~Q(**{title: ""}) & Q(**{f"{title}__isnull": False})
    written &= ~Q(body_json_es="[]") & ~Q(body_json_es="") & Q(body_json_es__isnull=False)
    return ExpressionWrapper(written, output_field=BooleanField())


def _alternates(path: str, *, spanish: bool) -> list[SitemapAlternate]:
    return [SitemapAlternate("es", language_path(path, "es"))] if spanish else []


def sitemap_entries() -> list[SitemapEntry]:
    """Every public page the live content implies, at its public path (content.paths): the home page, each list
    page with something on it, and each live program, therapy and article page. `lastmod` is when the page
    last changed as a visitor sees it: the item's last edit or its go-live, whichever is later (a scheduled
    item appears at go-live with that date); a list's and the home page's is their newest item's. A Spanish
    alternate is given where a Spanish version exists (`_has_spanish`); for a list or the home page, where
    one of its pages has one. `images` stays empty until the content has media. A constant number of queries.
    """
    pages: list[SitemapEntry] = []
    newest: dict[str, datetime] = {}
    spanish_lists: set[str] = set()
    for model, item_type in _SITEMAP_TYPES.items():
        list_path = LIST_PATHS[model]
        rows = (
            model.objects.live()  # type: ignore[attr-defined]
            .annotate(has_spanish=_has_spanish(model))
            .values_list("slug", "canonical_path", "updated_at", "publish_at", "has_spanish")
        )
        for slug, canonical_path, updated_at, publish_at, spanish in rows:
            path = canonical_path or f"{list_path}{slug}/"
            lastmod = max(updated_at, publish_at)
            pages.append(SitemapEntry(path, item_type, lastmod, _alternates(path, spanish=spanish)))
            newest[list_path] = max(newest.get(list_path, lastmod), lastmod)
            if spanish:
                spanish_lists.add(list_path)
    for model in (FAQ, Testimonial):  # no page of their own: their lists are pages
        latest = (testimonial_list() if model is Testimonial else faq_list()).aggregate(
            latest=Max(Greatest("updated_at", "publish_at"))
        )["latest"]
        if latest is not None:
            newest[LIST_PATHS[model]] = latest
    lists = [
        SitemapEntry(path, "list", lastmod, _alternates(path, spanish=path in spanish_lists))
        for path, lastmod in sorted(newest.items())
    ]
    profile = SiteProfile.objects.filter(id=1).values_list("canonical_path", "updated_at").first()
    home: list[SitemapEntry] = []
    if profile is not None:  # the home page is the site profile's: no profile, no site yet
        path, changed = profile[0] or "/", max([profile[1], *newest.values()])
        home = [SitemapEntry(path, "site", changed, _alternates(path, spanish=bool(spanish_lists)))]
    return [*home, *lists, *pages]


@dataclass(frozen=True)
class PublicMenuLink:
    label: str
    path: str
    external: bool
    children: list["PublicMenuLink"] = dataclass_field(default_factory=list)


@dataclass(frozen=True)
class PublicMenu:
    slug: str
    name: str
    items: list[PublicMenuLink]


def _menu_link(item: MenuItem, now: Any) -> PublicMenuLink | None:
    """The item as the website shows it, in the active language; None when it links to an item not live."""
    target = item.target
    if target is None:
        return PublicMenuLink(item.label, item.url, external=item.url.startswith(("https://", "http://")))
    if target.status != PublicationStatus.PUBLISHED or target.publish_at is None or target.publish_at > now:
        return None
    label = item.label or getattr(target, "title", None) or target.name
    return PublicMenuLink(label, page_path(target), external=False)


def menu_list(*, slug: str | None = None) -> list[PublicMenu]:
    """Menus (every one, or the one with `slug`) with their items resolved, in the active language: a link to a
    program, therapy or article gets the item's current public path, and is left out (with its children)
    while the item is not live. Two queries, however many menus and items."""
    from django.utils import timezone

    menus = list(Menu.objects.filter(slug=slug) if slug is not None else Menu.objects.all())
    items = MenuItem.objects.filter(menu__in=menus).select_related(*MenuItem.LINK_FIELDS) if menus else []
    now = timezone.now()
    top: dict[int, list[tuple[MenuItem, PublicMenuLink]]] = {menu.pk: [] for menu in menus}
    children: dict[int, list[PublicMenuLink]] = {}
    for item in items:
        link = _menu_link(item, now)
        if link is None:
            continue
        if item.parent_id is None:
            top[item.menu_id].append((item, link))
        else:
            children.setdefault(item.parent_id, []).append(link)
    return [
        PublicMenu(
            menu.slug,
            menu.name,
            [
                PublicMenuLink(link.label, link.path, link.external, children.get(item.pk, []))
                for item, link in top[menu.pk]
            ],
        )
        for menu in menus
    ]


def availability_shown(*, program: Program, now: datetime | None = None) -> dict[str, Any]:
    """A program's availability as readers see it: the figures while fresh, "unknown" (figures empty) when
    never stated or older than `AVAILABILITY_TRUSTED_FOR`; `updated_at` is kept so a reader sees its age."""
    # A missing reverse one-to-one raises an AttributeError subclass: no row reads as never stated.
    availability = getattr(program, "availability", None)
    updated_at = availability.updated_at if availability is not None else None
    fresh = availability is not None and availability.is_fresh(now=now)
    return {
        "accepting": availability.accepting if fresh and availability else ProgramAvailability.Accepting.UNKNOWN,
        "openings": availability.openings if fresh and availability else None,
        "next_intake_date": availability.next_intake_date if fresh and availability else None,
        "typical_wait_days": availability.typical_wait_days if fresh and availability else None,
        "updated_at": updated_at,
        "stale": availability is not None and updated_at is not None and not fresh,
    }


def insurance_plan_list(*, program: Program | None = None) -> list[dict[str, Any]]:
    """Payers and plans accepted, each with its network status (for `program`, where the program's differs;
    plans a program does not accept are left out of its list). Two queries."""
    plans = list(InsurancePlan.objects.all())
    exceptions: dict[tuple[int, int], str] = {
        (program_id, plan_id): status
        for program_id, plan_id, status in ProgramInsurance.objects.values_list(
            "program_id", "plan_id", "network_status"
        )
    }
    live = list(Program.objects.live().values_list("id", "slug"))
    entries = []
    for plan in plans:
        by_program = {
            slug: exceptions.get((program_id, plan.pk), plan.network_status)
            for program_id, slug in live
            if program is None or program_id == program.pk
        }
        programs = [
            {"slug": slug, "network_status": status}
            for slug, status in by_program.items()
            if status != NetworkStatus.NOT_ACCEPTED
        ]
        if program is not None and not programs:
            continue
        entries.append({"plan": plan, "programs": programs})
    return entries


def program_insurance(*, program: Program, plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """From `insurance_plan_list()`: the plans `program` accepts, each with the program's network status."""
    found = []
    for entry in plans:
        status = next((row["network_status"] for row in entry["programs"] if row["slug"] == program.slug), None)
        if status is not None:
            found.append({"plan": entry["plan"], "network_status": status})
    return found


@dataclass(frozen=True)
class Directory:
    """What the center publishes to referral directories: its profile, live programs (each with its live
    therapies in `live_therapies` and its availability), live therapies, and the insurance accepted."""

    profile: SiteProfile | None
    programs: list[Program]
    therapies: list[Therapy]
    insurance: list[dict[str, Any]]


def directory_get() -> Directory:
    """Everything the directory adapter maps, in a constant number of queries (a handful of programs)."""
    therapies = Therapy.objects.live().defer("editor_notes", "body", "body_json", "body_html", "body_text")
    programs = (
        Program.objects.live()
        .select_related("availability")
        .defer("editor_notes", "body", "body_json", "body_html", "body_text")
        .prefetch_related(Prefetch("therapies", queryset=therapies, to_attr="live_therapies"))
    )
    return Directory(
        profile=site_profile_get(),
        programs=list(programs),
        therapies=list(therapies),
        insurance=insurance_plan_list(),
    )


def site_public_url() -> str:
    """The public website's home page: PUBLIC_SITE_URL and the site profile's canonical path."""
    path = SiteProfile.objects.filter(id=1).values_list("canonical_path", flat=True).first() or "/"
    base = settings.PUBLIC_SITE_URL
    return f"{base}{path}" if path.startswith("/") else base


def program_titles() -> list[tuple[str, str]]:
    """(slug, name) of every live program, in editor order: for pickers on staff pages."""
    return list(_items(Program, drafts=False).order_by("order", "name").values_list("slug", "name"))


def _media_in_use() -> QuerySet[MediaAsset]:
    """Images live content shows: the hero images of live programs, therapies and articles, and the images of
    their bodies' image blocks."""
    used = Q(pk__in=body_image_ids(live=True))
    for model in (Program, Therapy, Article):
        used |= Q(pk__in=model.objects.live().exclude(hero_image=None).values("hero_image_id"))
    return MediaAsset.objects.filter(used)


def media_list() -> list[MediaAsset]:
    """The images live content shows, newest first (drafts' images stay private until they go live)."""
    return list(_media_in_use().order_by("-created_at", "-id"))


def media_get(*, asset_id: int) -> MediaAsset | None:
    """One image, if live content shows it."""
    return _media_in_use().filter(pk=asset_id).first()
