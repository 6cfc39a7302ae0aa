"""Reads of live content, with their related rows already fetched (a constant number of queries)."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from content.models import FAQ, Article, Program, SiteProfile, Testimonial, Therapy


def site_profile_get() -> SiteProfile | None:
    return SiteProfile.objects.filter(id=1).first()


def organization_name() -> str:
    return SiteProfile.objects.filter(id=1).values_list("name", flat=True).first() or ""


def program_list() -> QuerySet[Program]:
    return Program.objects.live().prefetch_related(
        Prefetch("therapies", queryset=Therapy.objects.live().only("slug", "name", "abbreviation")),
        Prefetch("faqs", queryset=FAQ.objects.live().only("id", "question", "answer", "order", "program_id")),
    )


def therapy_list() -> QuerySet[Therapy]:
    return Therapy.objects.live().prefetch_related(
        Prefetch("programs", queryset=Program.objects.live().only("slug", "name", "short_name"))
    )


def article_list() -> QuerySet[Article]:
    return Article.objects.live().prefetch_related(
        "tags",
        Prefetch("related_programs", queryset=Program.objects.live().only("slug", "name", "short_name")),
        Prefetch("related_therapies", queryset=Therapy.objects.live().only("slug", "name", "abbreviation")),
    )


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


def faq_list() -> QuerySet[FAQ]:
    return FAQ.objects.live().select_related("program")


def testimonial_list() -> QuerySet[Testimonial]:
    # The check constraint already keeps samples and unconsented quotes unpublished; this says it twice.
    return Testimonial.objects.live().filter(consent_on_file=True, is_sample=False).select_related("program")
