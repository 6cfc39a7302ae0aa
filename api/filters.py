"""Query filters for content lists (django-filter).

A slug that names no live item (unknown, or a draft) gives an empty list, the same answer either way: an
unpublished item's slug cannot be confirmed through a filter.

Each filter also says what its value means, `canonical(raw)`: the response cache keys a request by the
canonical values (api.views.content), so values that mean the same thing share one cache entry and junk
makes none of its own.
"""

from typing import Any

import django_filters
from django.db.models import QuerySet

from content.i18n import active_language
from content.models import FAQ, Article, Program, Testimonial, Therapy
from content.selectors import article_search, live_slugs

# What every slug that names no live item stands for in a cache key: no slug has this character.
NO_LIVE_ITEM = "~"


def canonical_value(filter_: Any, raw: str) -> str | None:
    """The meaning of `raw` for `filter_` as a cache key part; None when the filter does nothing with it."""
    canonical = getattr(filter_, "canonical", None)
    if canonical is not None:
        return canonical(raw)
    return raw if raw != "" else None


class LiveSlugFilter(django_filters.CharFilter):
    """Items related to the live item of `kind` (`programs`, `therapies`, `tags`) with this slug."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        if value not in live_slugs(self.kind):
            return qs.none()
        return super().filter(qs, value)

    def canonical(self, raw: str) -> str | None:
        value = raw.strip()  # as the form field cleans it
        if not value:
            return None
        return value if value in live_slugs(self.kind) else NO_LIVE_ITEM


def normalise_search(text: str) -> str:
    """Search text as it is searched: spaces collapsed, lower case (full-text search ignores case)."""
    return " ".join(text.split()).lower()


class SearchFilter(django_filters.CharFilter):
    def canonical(self, raw: str) -> str | None:
        return normalise_search(raw) or None


class _OrderingFilter(django_filters.OrderingFilter):
    """`?ordering=,` names no field: the default order stays, where django-filter would drop every order."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        return super().filter(qs, [name for name in value or [] if name] or None)

    def canonical(self, raw: str) -> str | None:
        # A field named again sorts nothing more: only its first mention counts.
        seen: dict[str, str] = {}
        for name in (part.strip() for part in raw.split(",")):
            if name:
                seen.setdefault(name.lstrip("-"), name)
        return ",".join(seen.values()) or None


class ProgramFilter(django_filters.FilterSet):
    level_of_care = django_filters.ChoiceFilter(choices=Program.LevelOfCare.choices)

    class Meta:
        model = Program
        fields = ["level_of_care"]


class TherapyFilter(django_filters.FilterSet):
    program = LiveSlugFilter(kind="programs", field_name="programs__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = Therapy
        fields = ["program"]


class ArticleFilter(django_filters.FilterSet):
    program = LiveSlugFilter(
        kind="programs", field_name="related_programs__slug", help_text="Program slug, e.g. `iop`."
    )
    therapy = LiveSlugFilter(
        kind="therapies", field_name="related_therapies__slug", help_text="Therapy slug, e.g. `cbt`."
    )
    tag = LiveSlugFilter(kind="tags", field_name="tags__slug", help_text="Tag slug.")
    search = SearchFilter(
        method="filter_search",
        max_length=200,
        help_text="Full-text search over title, summary and body in the response's language (English text "
        "where no Spanish is written), with that language's stemming; best match first (unless `ordering` is given).",
    )
    ordering = _OrderingFilter(
        fields=(
            ("publish_at", "published_at"),
            ("title", "title"),
            ("updated_at", "updated_at"),
            ("reading_time_minutes", "reading_time_minutes"),
        ),
        help_text="Sort order; prefix with `-` for descending. Default: newest first.",
    )

    class Meta:
        model = Article
        fields = ["program", "therapy", "tag", "search"]

    def filter_search(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        # The view renders with the response's language active (api.views.content).
        text = normalise_search(value)
        return article_search(articles=queryset, text=text, lang=active_language()) if text else queryset


class FAQFilter(django_filters.FilterSet):
    program = LiveSlugFilter(kind="programs", field_name="program__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = FAQ
        fields = ["program"]


class TestimonialFilter(django_filters.FilterSet):
    program = LiveSlugFilter(kind="programs", field_name="program__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = Testimonial
        fields = ["program"]
