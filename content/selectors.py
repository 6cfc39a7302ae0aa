"""Reads of live content, with their related rows already fetched (a constant number of queries).

List selectors take `relations`: the related sets the caller will show. Only those are prefetched, so a
sparse fieldset that leaves them out costs no query for them. Each set lands in a plain list attribute,
`prefetched_<relation>`: Django then skips building a queryset per row, which cost more than the query.
"""

from collections.abc import Collection

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from content.models import FAQ, Article, Program, SiteProfile, Tag, Testimonial, Therapy

ALL = None  # `relations=ALL`: prefetch every related set


_live_program_slugs: dict[str, frozenset[str]] = {}


def live_program_slugs() -> frozenset[str]:
    """Slugs of live programs, kept in memory per content version (a scheduled program counts once live)."""
    from django.core.cache import cache

    from content.versioning import VERSION_KEY, content_version

    try:
        token = content_version(cache.get(VERSION_KEY))["token"]
    except Exception:  # Redis down: ask the database
        return frozenset(Program.objects.live().values_list("slug", flat=True))
    slugs = _live_program_slugs.get(token)
    if slugs is None:
        slugs = frozenset(Program.objects.live().values_list("slug", flat=True))
        _live_program_slugs.clear()
        _live_program_slugs[token] = slugs
    return slugs


def site_profile_get() -> SiteProfile | None:
    return SiteProfile.objects.filter(id=1).first()


def organization_name() -> str:
    return SiteProfile.objects.filter(id=1).values_list("name", flat=True).first() or ""


def _live_therapies() -> QuerySet[Therapy]:
    return Therapy.objects.live().only("slug", "name", "abbreviation")


def _live_programs() -> QuerySet[Program]:
    return Program.objects.live().only("slug", "name", "short_name")


def _prefetch(queryset: QuerySet, available: dict[str, QuerySet], relations: Collection[str] | None) -> QuerySet:
    wanted = available if relations is None else [name for name in available if name in relations]
    return queryset.prefetch_related(
        *(Prefetch(name, queryset=available[name], to_attr=f"prefetched_{name}") for name in wanted)
    )


def program_list(*, relations: Collection[str] | None = ALL) -> QuerySet[Program]:
    available = {
        "therapies": _live_therapies(),
        "faqs": FAQ.objects.live().only("id", "question", "answer", "order", "program_id"),
    }
    return _prefetch(Program.objects.live(), available, relations)


def therapy_list(*, relations: Collection[str] | None = ALL) -> QuerySet[Therapy]:
    available = {"programs": _live_programs()}
    return _prefetch(Therapy.objects.live(), available, relations)


def article_list(*, relations: Collection[str] | None = ALL) -> QuerySet[Article]:
    available = {
        "tags": Tag.objects.only("slug", "name"),
        "related_programs": _live_programs(),
        "related_therapies": _live_therapies(),
    }
    return _prefetch(Article.objects.live(), available, relations)


def article_search(*, articles: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Full-text search ranked by relevance on PostgreSQL; a plain substring match elsewhere (SQLite)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config="english")
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body_text", weight="C", config="english")
        )
        return (
            articles.annotate(search_vector=vector, search_rank=SearchRank(vector, query))
            .filter(search_vector=query)
            .order_by(F("search_rank").desc(), "-publish_at", "id")
        )
    return articles.filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(body_text__icontains=text))


def faq_list(*, relations: Collection[str] | None = ALL) -> QuerySet[FAQ]:
    return FAQ.objects.live().select_related("program")


def testimonial_list(*, relations: Collection[str] | None = ALL) -> QuerySet[Testimonial]:  # noqa: PT028
    # The check constraint already keeps samples and unconsented quotes unpublished; this says it twice.
    return Testimonial.objects.live().filter(consent_on_file=True, is_sample=False).select_related("program")
