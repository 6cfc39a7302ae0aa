"""Program and therapy content: what the website and partner sites pull.

Publishing rule (one place, `Publishable.objects.live()`): an item is live when its status is `published`
and its `publish_at` has come. A scheduled item therefore appears by itself, with nobody running a command.
"""

import string
from collections import defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from content.blocks import InvalidBody, image_id, image_ids, validate_body
from content.structured import (
    ChoiceListValidator,
    text_problem,
    validate_calls_to_action,
    validate_crisis_resources,
    validate_language_codes,
    validate_opening_hours,
    validate_word_list,
)


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class PublishableQuerySet(models.QuerySet):
    """Publishable items, with `live()` and a lean way to fetch many-to-many relations.

    `with_related_values(tags=("slug", "name"))` fetches, once the rows are fetched, each named forward
    many-to-many relation in one query of plain values, onto a `prefetched_<name>` list of small objects.
    For a page of articles with their tags this costs a fraction of `prefetch_related`, which builds a
    model instance per related row and a queryset per article.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._related_values: dict[str, tuple[str, ...]] = {}

    def live(self, *, at: Any = None) -> "PublishableQuerySet":
        return self.filter(status=PublicationStatus.PUBLISHED, publish_at__lte=at or timezone.now())

    def with_related_values(self, **relations: tuple[str, ...]) -> "PublishableQuerySet":
        clone = self._chain()  # type: ignore[attr-defined]  # Django's private copy, as filter() uses
        clone._related_values = {**self._related_values, **relations}
        return clone

    def _clone(self) -> "PublishableQuerySet":
        clone = super()._clone()  # type: ignore[misc]  # every derived queryset keeps the relations to fetch
        clone._related_values = self._related_values
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._related_values and self._result_cache:
            attach_related_values(self._result_cache, relations=self._related_values)


def attach_related_values(items: list[Any], *, relations: dict[str, tuple[str, ...]]) -> None:
    """Set `prefetched_<name>` on each item: its live related rows as objects with the given attributes and
    `pk`."""
    model, ids, now = type(items[0]), [item.pk for item in items], timezone.now()
    from content.i18n import active_language, fallback_order, translated_fields

    lang = active_language()
    for name, attributes in relations.items():
        field = model._meta.get_field(name)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        target_model = field.related_model
        # A translated attribute is read in the reader's language, falling back to English: one column per
        # language in the fallback order (the through model's manager does not know of translations).
        translated = set(translated_fields(target_model))
        languages = fallback_order(lang)
        columns = {
            attribute: [f"{target}__{attribute}_{code}" for code in languages]
            if attribute in translated
            else [f"{target}__{attribute}"]
            for attribute in attributes
        }
        rows = field.remote_field.through.objects.filter(**{f"{source}_id__in": ids})
        if issubclass(target_model, Publishable):
            rows = rows.filter(**{f"{target}__status": PublicationStatus.PUBLISHED, f"{target}__publish_at__lte": now})
        ordering = [
            f"-{target}__{key[1:]}" if key.startswith("-") else f"{target}__{key}"
            for key in target_model._meta.ordering
        ]
        # An empty translation is NULL or "": then the next language's, or the field's default (as the
        # descriptor of a translated field does).
        defaults = {attribute: target_model._meta.get_field(attribute).get_default() for attribute in attributes}
        grouped: dict[Any, list[SimpleNamespace]] = defaultdict(list)
        for source_id, target_id, *values in rows.order_by(*ordering).values_list(
            f"{source}_id", f"{target}_id", *(column for names in columns.values() for column in names)
        ):
            found, position = {}, 0
            for attribute, names in columns.items():
                candidates = values[position : position + len(names)]
                position += len(names)
                found[attribute] = next((value for value in candidates if value), defaults[attribute])
            # `pk` too: a response names the items it shows by their keys (api.caching_edge).
            grouped[source_id].append(SimpleNamespace(pk=target_id, **found))
        for item in items:
            setattr(item, f"prefetched_{name}", grouped.get(item.pk, []))


def validate_blocks(value: Any) -> None:
    try:
        validate_body(value)
    except InvalidBody as exc:
        raise ValidationError(exc.messages) from exc
    for text in _strings(value):
        problem = text_problem(text)
        if problem:
            raise ValidationError(f"The body {problem}.")
    missing = missing_image_blocks(value)
    if missing:
        raise ValidationError([missing_image_message(index, image) for index, image in missing])


def missing_image_blocks(blocks: Any) -> list[tuple[int, int]]:
    """(position from 0, image id) of each image block naming an image the media library does not have."""
    wanted = image_ids(blocks)
    if not wanted:
        return []
    gone = set(wanted) - set(MediaAsset.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return [
        (index, image)
        for index, block in enumerate(blocks)
        if isinstance(block, dict) and block.get("type") == "image" and (image := image_id(block.get("image"))) in gone
    ]


def missing_image_message(index: int, image: int) -> str:
    return (
        f"Block {index + 1}: image {image} is not in the media library (it was deleted, or never existed): "
        "choose another image or remove the block."
    )


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for entry in value:
            yield from _strings(entry)
    elif isinstance(value, dict):
        for entry in value.values():
            yield from _strings(entry)


class StructuredField(models.JSONField):
    """A JSON field whose every value is validated: an empty object or string is a wrong shape to refuse and
    None a null to refuse (Django skips a blank field's checks for `None`, `{}` and `""` otherwise)."""

    empty_values: list[Any] = []

    def run_validators(self, value: Any) -> None:
        # None got here only where the column may be null (a language without a text of its own): no shape.
        if value is not None:
            super().run_validators(value)


# Placeholders a site profile's preview URL pattern may use; `{token}` is required.
PREVIEW_URL_PLACEHOLDERS = ("type", "slug", "token", "lang")


def validate_preview_url_pattern(pattern: str) -> None:
    """A preview URL pattern: an http(s) URL using only the known placeholders, `{token}` among them."""
    if not pattern:
        return
    if not pattern.startswith(("https://", "http://")):
        raise ValidationError("Use an absolute http(s) URL.")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ValidationError(f"Not a valid pattern: {exc}.") from exc
    unknown = sorted(names - set(PREVIEW_URL_PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            f"Unknown placeholder(s): {', '.join('{' + name + '}' for name in unknown)}. "
            f"Use {', '.join('{' + name + '}' for name in PREVIEW_URL_PLACEHOLDERS)}."
        )
    if "token" not in names:
        raise ValidationError("The pattern must contain {token}.")


def _hero_image_field() -> Any:
    """Programs', therapies' and articles' main image, from the media library."""
    return models.ForeignKey(
        "MediaAsset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown at the top of the page and in lists; its alt text and crops come from the media library.",
    )


def _empty_list() -> list[Any]:
    return []


class Publishable(models.Model):
    """Fields every editable resource shares: publication state, timestamps and SEO."""

    status = models.CharField(max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT)
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the item goes live. Set in the future to schedule; set to now by publishing.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    seo_title = models.CharField(max_length=70, blank=True, help_text="Defaults to the title.")
    seo_description = models.CharField(max_length=160, blank=True, help_text="Defaults to the summary.")
    canonical_path = models.CharField(
        max_length=200, blank=True, help_text="Path on the public website, e.g. /programs/iop/."
    )
    editor_notes = models.TextField(
        blank=True, help_text="Internal: facts to confirm before publishing. Never shown by the API."
    )

    objects: ClassVar[PublishableQuerySet] = PublishableQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    @classmethod
    def publish_constraint(cls, name: str) -> models.CheckConstraint:
        # A published item always has its go-live time, so "live" is one indexed comparison.
        return models.CheckConstraint(
            condition=~Q(status=PublicationStatus.PUBLISHED) | Q(publish_at__isnull=False), name=name
        )


class WithBody(models.Model):
    """A structured body (blocks) and what is derived from it when it is saved."""

    body = StructuredField(default=_empty_list, blank=True, validators=[validate_blocks])
    # Derived on save: the body as compact JSON text (the API embeds it without decoding and re-encoding
    # thousands of small objects per page), as sanitised HTML, and as plain words for search.
    body_json = models.TextField(blank=True, default="[]", editable=False)
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True


class Therapy(Publishable, WithBody):
    class Format(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        GROUP = "group", "Group"
        FAMILY = "family", "Family"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    abbreviation = models.CharField(max_length=16, blank=True)
    summary = models.TextField(max_length=1000, blank=True)
    hero_image = _hero_image_field()
    formats = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[ChoiceListValidator(("individual", "group", "family"))],
        help_text="How it is offered: individual, group, family.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    directory_id = models.UUIDField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id in referral directories (HSDS)."
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "therapies"
        constraints = [Publishable.publish_constraint("therapy_published_has_publish_at")]

    def __str__(self) -> str:
        return self.name


class Program(Publishable, WithBody):
    class LevelOfCare(models.TextChoices):
        PARTIAL_HOSPITALIZATION = "partial_hospitalization", "Partial hospitalization (PHP)"
        INTENSIVE_OUTPATIENT = "intensive_outpatient", "Intensive outpatient (IOP)"
        OUTPATIENT = "outpatient", "Outpatient"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    short_name = models.CharField(max_length=16, blank=True)
    level_of_care = models.CharField(max_length=32, choices=LevelOfCare.choices)
    summary = models.TextField(max_length=1000, blank=True)
    hero_image = _hero_image_field()
    days_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    hours_per_day = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(24)]
    )
    typical_length = models.CharField(max_length=120, blank=True, help_text="e.g. 6 to 8 weeks")
    who_it_is_for = models.TextField(blank=True)
    conditions_addressed = StructuredField(
        default=_empty_list, blank=True, validators=[validate_word_list], help_text="One condition per line."
    )
    what_to_expect = models.TextField(blank=True)
    therapies = models.ManyToManyField(Therapy, blank=True, related_name="programs")
    order = models.PositiveSmallIntegerField(default=0)
    # Eligibility and reach: what a referral partner checks before referring. Empty means "not stated",
    # never "none": the seed invents nothing, editors fill these in.
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    languages = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[validate_language_codes],
        help_text="Languages services are delivered in, two-letter ISO 639-1 codes (en, es), one per line.",
    )
    service_area_counties = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[validate_word_list],
        help_text="Arizona counties served, one per line (e.g. Maricopa); empty when it serves all of Arizona.",
    )
    delivery_methods = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[ChoiceListValidator(("in_person", "telehealth"))],
        help_text="In person, telehealth, or both.",
    )
    required_documents = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[validate_word_list],
        help_text="Documents to bring, one per line, e.g. Photo ID.",
    )
    fees_description = models.TextField(blank=True, help_text="What it costs and how fees are set.")
    directory_id = models.UUIDField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id in referral directories (HSDS)."
    )

    DELIVERY_METHODS: ClassVar[tuple[str, ...]] = ("in_person", "telehealth")

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            Publishable.publish_constraint("program_published_has_publish_at"),
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="program_minimum_age_not_above_maximum",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            errors["maximum_age"] = "The maximum age is below the minimum age."
        if errors:
            raise ValidationError(errors)


# An availability older than this is shown as unknown: intake figures go stale within days.
AVAILABILITY_TRUSTED_FOR = timedelta(days=14)


class ProgramAvailability(models.Model):
    """Whether a program takes new clients now, as the intake lead last said; one row per program.

    Readers see the figures only while fresh (`AVAILABILITY_TRUSTED_FOR`); an older row reads as unknown.
    """

    class Accepting(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        YES = "yes", "Accepting new clients"
        WAITLIST = "waitlist", "Waitlist"
        PAUSED = "paused", "Paused"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="availability")
    accepting = models.CharField(max_length=16, choices=Accepting.choices, default=Accepting.UNKNOWN)
    openings = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Places open now, if known.")
    next_intake_date = models.DateField(null=True, blank=True)
    typical_wait_days = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="When staff last confirmed these figures.")
    updated_by = models.ForeignKey(
        "auth.User", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "program availability"
        constraints = [
            # A stated figure always carries the moment it was stated, so its age can be shown and judged.
            models.CheckConstraint(
                condition=Q(accepting="unknown") | Q(updated_at__isnull=False), name="availability_stated_has_time"
            ),
            models.CheckConstraint(
                condition=Q(openings__isnull=True) | Q(accepting="yes") | Q(openings=0),
                name="availability_openings_only_when_accepting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.get_accepting_display()}"

    def is_fresh(self, *, now: datetime | None = None) -> bool:
        return (
            self.accepting != self.Accepting.UNKNOWN
            and self.updated_at is not None
            and (now or timezone.now()) - self.updated_at < AVAILABILITY_TRUSTED_FOR
        )


class NetworkStatus(models.TextChoices):
    IN_NETWORK = "in_network", "In network"
    OUT_OF_NETWORK = "out_of_network_with_benefits", "Out of network, with out-of-network benefits"
    SINGLE_CASE = "single_case_agreement_possible", "Single-case agreement possible"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


class InsurancePlan(models.Model):
    """A payer and plan the center takes (an AHCCCS plan, Medicare, a commercial plan), or self-pay.

    `network_status` holds for every program unless a `ProgramInsurance` row says otherwise for one.
    """

    class Kind(models.TextChoices):
        MEDICAID = "medicaid", "Medicaid (AHCCCS)"
        MEDICARE = "medicare", "Medicare"
        COMMERCIAL = "commercial", "Commercial"
        MILITARY = "military", "Military (TRICARE, VA)"
        SELF_PAY = "self_pay", "Self-pay"

    payer = models.CharField(max_length=120, help_text="e.g. Mercy Care, Medicare, Self-pay")
    plan = models.CharField(max_length=120, blank=True, help_text="e.g. ACC-RBHA; empty for every plan of the payer")
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    network_status = models.CharField(max_length=32, choices=NetworkStatus.choices, default=NetworkStatus.IN_NETWORK)
    notes = models.CharField(max_length=300, blank=True, help_text="Shown to readers, e.g. prior authorization.")
    order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    directory_id = models.UUIDField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id in referral directories (HSDS)."
    )

    class Meta:
        ordering = ["order", "payer", "plan"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "plan"], name="insurance_plan_unique_payer_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.plan}".strip()


class ProgramInsurance(models.Model):
    """A program whose network status for a plan differs from the plan's own (e.g. not accepted for PHP)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="insurance_exceptions")
    plan = models.ForeignKey(InsurancePlan, on_delete=models.CASCADE, related_name="program_exceptions")
    network_status = models.CharField(max_length=32, choices=NetworkStatus.choices)

    class Meta:
        verbose_name = "network status for a program"
        constraints = [models.UniqueConstraint(fields=["program", "plan"], name="program_insurance_unique")]

    def __str__(self) -> str:
        return f"{self.program} / {self.plan}: {self.get_network_status_display()}"


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(Publishable, WithBody):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=1000, blank=True)
    hero_image = _hero_image_field()
    author = models.CharField(max_length=120, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    related_programs = models.ManyToManyField(Program, blank=True, related_name="articles")
    related_therapies = models.ManyToManyField(Therapy, blank=True, related_name="articles")
    reading_time_minutes = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-publish_at", "title"]
        constraints = [Publishable.publish_constraint("article_published_has_publish_at")]

    def __str__(self) -> str:
        return self.title


class FAQ(Publishable):
    question = models.CharField(max_length=300)
    answer = models.TextField(max_length=5000)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="faqs")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"
        constraints = [Publishable.publish_constraint("faq_published_has_publish_at")]

    def __str__(self) -> str:
        return self.question


class Testimonial(Publishable):
    quote = models.TextField(max_length=2000)
    attribution = models.CharField(
        max_length=120, default="Anonymous", help_text="Anonymous unless the person agreed in writing to more."
    )
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="testimonials")
    consent_on_file = models.BooleanField(default=False, help_text="Written consent to publish is on file.")
    is_sample = models.BooleanField(default=False, help_text="Placeholder text; never published.")

    class Meta:
        ordering = ["-publish_at", "id"]
        constraints = [
            Publishable.publish_constraint("testimonial_published_has_publish_at"),
            # Advertising rules: a testimonial is published only with consent, and a sample never.
            models.CheckConstraint(
                condition=~Q(status=PublicationStatus.PUBLISHED) | Q(consent_on_file=True, is_sample=False),
                name="testimonial_published_needs_consent_and_not_sample",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribution}: {self.quote[:40]}"


class SiteProfile(models.Model):
    """The center itself: exactly one row (id 1)."""

    name = models.CharField(max_length=120)
    licence_statement = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, help_text="E.164, e.g. +16029267729")
    phone_display = models.CharField(max_length=30, blank=True, help_text="e.g. 602-926-7729")
    email = models.EmailField(blank=True)
    street_address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=2, blank=True, help_text="Two-letter state code")
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, default="US")
    hours = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[validate_opening_hours],
        help_text="Opening hours: the days of each row open and close at the same local times.",
    )
    time_zone = models.CharField(max_length=64, default="America/Phoenix")
    crisis_resources = StructuredField(
        default=_empty_list,
        blank=True,
        validators=[validate_crisis_resources],
        help_text="Crisis lines shown on every page; keep 988 and 911.",
    )
    calls_to_action = StructuredField(default=_empty_list, blank=True, validators=[validate_calls_to_action])
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)
    canonical_path = models.CharField(max_length=200, default="/")
    preview_url_pattern = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_preview_url_pattern],
        help_text="The website's draft preview page, for the admin's preview links, e.g. "
        "https://www.example.org/api/preview?type={type}&slug={slug}&token={token}&lang={lang}. "
        "Placeholders: {type} (programs, therapies, articles), {slug}, {token} (required), {lang}.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="site_profile_single_row")]

    def __str__(self) -> str:
        return self.name


class ContentEvent(models.Model):
    """The content outbox: a change the public site must see, written in the same transaction as the change.

    The notifications app turns each due event into webhook deliveries; `routed_at` stays empty until it
    has. A scheduled publication is an event due at its `publish_at`, which the minute's sweep routes when
    the item goes live by itself.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "content.published", "Published"
        UPDATED = "content.updated", "Updated"
        UNPUBLISHED = "content.unpublished", "Unpublished"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    item_type = models.CharField(
        max_length=16, help_text="program, therapy, article, faq, testimonial, site, redirect or menu"
    )
    item_id = models.PositiveIntegerField()
    slug = models.CharField(max_length=200, blank=True)
    # Public paths whose pages show the item: a frontend revalidates exactly these.
    paths = models.JSONField(default=_empty_list)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["due_at"], condition=Q(routed_at__isnull=True), name="content_event_unrouted")]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_type}:{self.slug or self.item_id}"


class SlugHistory(models.Model):
    """A slug a live item had before an editor changed it: its old API and page paths redirect to the item.

    The row points at the item, not at the slug that replaced it, so every old slug leads straight to the
    current one however many renames followed (chains collapse by construction). One old slug per kind of
    item: when two items of a kind held it in turn, the later holder's history wins.
    """

    old_slug = models.SlugField(max_length=200)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="slug_history")
    therapy = models.ForeignKey(Therapy, null=True, blank=True, on_delete=models.CASCADE, related_name="slug_history")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="slug_history")
    created_at = models.DateTimeField(auto_now_add=True)

    ITEM_FIELDS: ClassVar[dict[type, str]] = {Program: "program", Therapy: "therapy", Article: "article"}

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "slug history"
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=False, therapy__isnull=True, article__isnull=True)
                | Q(program__isnull=True, therapy__isnull=False, article__isnull=True)
                | Q(program__isnull=True, therapy__isnull=True, article__isnull=False),
                name="slug_history_one_item",
            ),
            *(
                models.UniqueConstraint(
                    fields=["old_slug"], condition=Q(**{f"{name}__isnull": False}), name=f"slug_history_{name}_unique"
                )
                for name in ("program", "therapy", "article")
            ),
        ]

    def __str__(self) -> str:
        return self.old_slug

    @property
    def item(self) -> Any:
        return self.program or self.therapy or self.article


def validate_site_path(value: str) -> None:
    if not value.startswith("/") or value.startswith("//"):
        raise ValidationError("Use a path on this site, starting with one slash, e.g. /old-blog/page.html.")


class Redirect(models.Model):
    """A redirect an editor adds by hand: an old website's URL to its page here, or (marked external) to
    another site. The frontend installs these, with the slug history's, at build time."""

    old_path = models.CharField(
        max_length=500, unique=True, validators=[validate_site_path], help_text="e.g. /old-blog/iop-explained.html"
    )
    new_path = models.CharField(
        max_length=500, help_text="A path on this site (/articles/iop/), or a full https:// URL when external."
    )
    permanent = models.BooleanField(default=True, help_text="301/308 when set; 302/307 (temporary) when not.")
    is_external = models.BooleanField(
        default=False, verbose_name="external", help_text="Allow the new path to be on another website."
    )
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(old_path__startswith="/") & ~Q(old_path__startswith="//"), name="redirect_old_path_on_site"
            ),
            models.CheckConstraint(condition=~Q(old_path=models.F("new_path")), name="redirect_not_to_itself"),
            # Away from the site only when an editor said so.
            models.CheckConstraint(
                condition=(Q(new_path__startswith="/") & ~Q(new_path__startswith="//"))
                | Q(is_external=True, new_path__startswith="https://")
                | Q(is_external=True, new_path__startswith="http://"),
                name="redirect_external_only_when_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"

    def clean(self) -> None:
        self.old_path, self.new_path = self.old_path.strip(), self.new_path.strip()
        if self.is_external:
            if not self.new_path.startswith(("https://", "http://")):
                raise ValidationError({"new_path": "An external redirect goes to a full http(s) URL."})
        else:
            try:
                validate_site_path(self.new_path)
            except ValidationError as exc:
                raise ValidationError(
                    {"new_path": "Use a path on this site, or tick “external” to send visitors to another site."}
                ) from exc
        if self.old_path == self.new_path:
            raise ValidationError({"new_path": "A redirect to itself would loop."})


class Menu(models.Model):
    """A navigation menu of the website (header, footer, or any an editor adds), with ordered items."""

    slug = models.SlugField(max_length=60, unique=True, help_text="How the website asks for it: header, footer, …")
    name = models.CharField(max_length=120, help_text="e.g. Main navigation")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    """One link of a menu: to a program, therapy or article (its path follows the item's slug, and it is left
    out while the item is not live), or to a URL. Items are top-level or the children of one (one level)."""

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="Empty for a top-level item; else the top-level item of this menu it is under.",
    )
    label = models.CharField(
        max_length=80, blank=True, help_text="Leave empty to show the linked item's name (in each language)."
    )
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    therapy = models.ForeignKey(Therapy, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(
        max_length=500, blank=True, help_text="Instead of an item: a path on the site (/programs/) or an https:// URL."
    )
    order = models.PositiveSmallIntegerField(default=0)

    LINK_FIELDS: ClassVar[tuple[str, ...]] = ("program", "therapy", "article")

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            # Exactly one link: one of the three items, or a URL.
            models.CheckConstraint(
                condition=Q(program__isnull=False, therapy__isnull=True, article__isnull=True, url="")
                | Q(program__isnull=True, therapy__isnull=False, article__isnull=True, url="")
                | Q(program__isnull=True, therapy__isnull=True, article__isnull=False, url="")
                | (Q(program__isnull=True, therapy__isnull=True, article__isnull=True) & ~Q(url="")),
                name="menu_item_one_link",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="menu_item_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return self.label or str(self.target or self.url)

    @property
    def target(self) -> Any:
        return self.program or self.therapy or self.article

    def clean(self) -> None:
        linked = [name for name in self.LINK_FIELDS if getattr(self, f"{name}_id") is not None]
        self.url = self.url.strip()
        if len(linked) + bool(self.url) != 1:
            raise ValidationError("Link to exactly one program, therapy or article, or give a URL.")
        if self.url:
            if not (self.url.startswith("https://") or self.url.startswith("http://")):
                try:
                    validate_site_path(self.url)
                except ValidationError as exc:
                    raise ValidationError({"url": "Use a path on this site (/programs/) or a full URL."}) from exc
            if not (getattr(self, "label_en", None) or self.label):
                raise ValidationError({"label": "A link to a URL needs an English label."})
        if self.parent_id is not None:
            parent = self.parent
            assert parent is not None
            if parent.parent_id is not None:
                raise ValidationError({"parent": "Menus have one level of children: choose a top-level item."})
            if parent.menu_id != self.menu_id:
                raise ValidationError({"parent": "Choose an item of the same menu."})
            if self.pk is not None and (parent.pk == self.pk or MenuItem.objects.filter(parent=self).exists()):
                raise ValidationError({"parent": "An item with children stays at the top level."})


def validate_unit_interval(value: float) -> None:
    if not 0 <= value <= 1:
        raise ValidationError("Use a number from 0 to 1.")


class MediaAsset(models.Model):
    """An uploaded image, stored stripped of metadata (content.images), with its alt text, credit, focal point
    and renditions. File names are content hashes: a file never changes under its name."""

    file = models.CharField(max_length=200, editable=False, help_text="The stripped original's name in storage.")
    alt = models.CharField(
        max_length=300,
        help_text="What the image shows, for people who cannot see it. Required in English; Spanish falls back.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True, help_text="Photographer or source, e.g. © Jane Doe.")
    licence = models.CharField(max_length=200, blank=True, help_text="e.g. CC BY 4.0, or Owned by Core Recovery.")
    focal_x = models.FloatField(default=0.5, validators=[validate_unit_interval])
    focal_y = models.FloatField(default=0.5, validators=[validate_unit_interval])
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    blurhash = models.CharField(max_length=100, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    # [{"name", "width", "height", "format", "crop"}]; empty until the rendition task has run.
    renditions = models.JSONField(default=_empty_list, blank=True, editable=False)
    renditions_focal = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "image"
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="media_asset_focal_point_inside",
            ),
        ]

    def __str__(self) -> str:
        return self.alt_en or self.file  # type: ignore[attr-defined]  # alt_en: content/translation.py

    def clean(self) -> None:
        if not (getattr(self, "alt_en", None) or "").strip():
            raise ValidationError({"alt_en": "Describe the image in English: alt text is required."})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Refused (ProtectedError) while a body shows the image, as a foreign key with PROTECT would be: a
        page's image block must not lose its image. A hero image is only unset (SET_NULL)."""
        users = body_image_users([self.pk])
        if users:
            names = ", ".join(f"{type(item)._meta.verbose_name} {item}" for item in users[:5])
            raise models.ProtectedError(f"The image is in the body of {names}: remove it from there first.", set(users))
        return super().delete(*args, **kwargs)


def body_image_users(asset_ids: Any, *, live: bool = False) -> list[Any]:
    """Programs, therapies and articles (only live ones with `live`) whose body, in any language, has an image
    block showing one of these assets. Read from the rows whose rendered body has an image block at all."""
    from content.i18n import content_languages

    wanted = set(asset_ids)
    languages = content_languages()
    users: list[Any] = []
    for model in (Program, Therapy, Article):
        has_image = Q()
        for lang in languages:
            has_image |= Q(**{f"body_json_{lang}__contains": '"type":"image"'})
        rows = (model.objects.live() if live else model.objects.all()).filter(has_image)
        for item in rows.order_by("pk"):
            if wanted & {pk for lang in languages for pk in image_ids(getattr(item, f"body_{lang}"))}:
                users.append(item)
    return users


def body_image_ids(*, live: bool = True) -> set[int]:
    """The assets the bodies of (live) programs, therapies and articles show in image blocks."""
    from content.i18n import content_languages

    languages = content_languages()
    found: set[int] = set()
    for model in (Program, Therapy, Article):
        has_image = Q()
        for lang in languages:
            has_image |= Q(**{f"body_json_{lang}__contains": '"type":"image"'})
        rows = (model.objects.live() if live else model.objects.all()).filter(has_image)
        for bodies in rows.values_list(*(f"body_{lang}" for lang in languages)):
            found.update(pk for body in bodies for pk in image_ids(body))
    return found
