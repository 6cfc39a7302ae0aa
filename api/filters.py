"""Query filters for content lists (django-filter). Unknown slugs give an empty list, not an error."""

import django_filters
from django.db.models import QuerySet

from content.i18n import active_language
from content.models import FAQ, Article, Program, Testimonial, Therapy
from content.selectors import article_search


class ProgramFilter(django_filters.FilterSet):
    level_of_care = django_filters.ChoiceFilter(choices=Program.LevelOfCare.choices)

    class Meta:
        model = Program
        fields = ["level_of_care"]


class TherapyFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="programs__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = Therapy
        fields = ["program"]


class _OrderingFilter(django_filters.OrderingFilter):
    """`?ordering=,` names no field: the default order stays, where django-filter would drop every order."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        return super().filter(qs, [name for name in value or [] if name] or None)


class ArticleFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="related_programs__slug", help_text="Program slug, e.g. `iop`.")
    therapy = django_filters.CharFilter(field_name="related_therapies__slug", help_text="Therapy slug, e.g. `cbt`.")
    tag = django_filters.CharFilter(field_name="tags__slug", help_text="Tag slug.")
    search = django_filters.CharFilter(
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
        return article_search(articles=queryset, text=value, lang=active_language()) if value.strip() else queryset


class FAQFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="program__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = FAQ
        fields = ["program"]


class TestimonialFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="program__slug", help_text="Program slug, e.g. `iop`.")

    class Meta:
        model = Testimonial
        fields = ["program"]
