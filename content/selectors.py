"""Reads of live content, with their related rows already fetched (a constant number of queries).

List selectors take `relations`: the related sets the caller will show. Only those are fetched, so a
sparse fieldset that leaves them out costs no query for them. Each set lands in a plain list attribute,
`prefetched_<relation>`: forward many-to-many relations as plain values (one query each, no model
instances), reverse ones through Django's prefetch with `to_attr` (no queryset built per row).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from content.i18n import DEFAULT_LANGUAGE, fallback_order
from content.models import FAQ, Article, Program, Redirect, SiteProfile, SlugHistory, Tag, Testimonial, Therapy
from content.paths import LIST_PATHS, page_path

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


def _items(model: type[Program] | type[Therapy] | type[Article], *, drafts: bool) -> Any:
    # `drafts`: every saved item whatever its status or publish_at, for an editor's preview (content.preview).
    return model.objects.all() if drafts else model.objects.live()


def program_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Program]:
    values = {"therapies": _THERAPY_REF}
    programs = _items(Program, drafts=drafts).with_related_values(
        **{name: values[name] for name in _wanted(values, relations)}
    )
    faqs = {"faqs": FAQ.objects.live().only("id", "question", "answer", "order", "program_id")}
    return _prefetch(programs, faqs, relations)


def therapy_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Therapy]:
    available = {"programs": _live_programs()}
    return _prefetch(_items(Therapy, drafts=drafts), available, relations)


def article_list(*, relations: Collection[str] | None = ALL, drafts: bool = False) -> QuerySet[Article]:
    values = {"tags": _TAG_REF, "related_programs": _PROGRAM_REF, "related_therapies": _THERAPY_REF}
    return _items(Article, drafts=drafts).with_related_values(
        **{name: values[name] for name in _wanted(values, relations)}
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
