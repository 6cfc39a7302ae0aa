"""Read-only representations of content. Heavy fields (body, JSON-LD) are in lists only on request."""

from typing import Any

import orjson
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from api.caching_edge import record_item, record_items
from api.fields import SparseFieldsSerializer
from content import i18n, image_objects, jsonld, selectors
from content.blocks import BLOCK_TYPES, render_html
from content.image_objects import image_object
from content.models import (
    FAQ,
    Article,
    InsurancePlan,
    NetworkStatus,
    Program,
    ProgramAvailability,
    SiteProfile,
    Tag,
    Testimonial,
    Therapy,
)
from content.paths import page_path

_JSONLD_SCHEMA = {"type": "object", "additionalProperties": True, "description": "schema.org JSON-LD object."}
# One block of a body; api.schema.client_names_hook makes it the `Block` component.
BLOCK_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": list(BLOCK_TYPES)},
        "image": {
            "allOf": [{"$ref": "#/components/schemas/MediaImage"}],
            "description": "An `image` block's image, as `GET /api/v1/media/{id}/` gives it, with this use's alt "
            "text and caption when the block has its own.",
        },
    },
    "additionalProperties": True,
}
# The body's JSON Schema, inlined in OpenAPI 3.0 form (its $defs moved to a reusable component).
_BODY_FIELD_SCHEMA = {
    "type": "array",
    "description": "Structured body: typed blocks (heading, paragraph, list, quote, call_to_action, "
    "crisis_resources, image). Inline text is a list of spans `{text, bold?, italic?, href?}`. An image block is "
    "`{type: image, image: <image object>}`: renditions, `srcset`, width, height, alt text and BlurHash, as the "
    "hero image; an image since removed from the media library is left out.",
    "items": BLOCK_ITEM_SCHEMA,
}
# What marks a stored body with an image block (orjson writes compact JSON): bodies without one are embedded as
# stored, never decoded.
_IMAGE_BLOCK_MARK = '"type":"image"'


@extend_schema_field(_BODY_FIELD_SCHEMA)
class BodyField(serializers.Field):
    """The body's blocks, embedded from the JSON text stored on save (`body_json`) without decoding it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="body_json", read_only=True, **kwargs)

    def to_representation(self, value: str) -> orjson.Fragment:
        return orjson.Fragment(value)


@extend_schema_field(_JSONLD_SCHEMA)
class JsonLdField(serializers.SerializerMethodField):
    pass


class LocalizedFields(serializers.Serializer):
    """The language of a content item's text, and which of its fields had to be shown in English. A sparse
    fieldset (`?fields=`) leaves them out unless it names them, like any field.

    `Meta.translated` maps each response field to the model fields it shows (content.translation).
    """

    language = serializers.SerializerMethodField(
        help_text="The language of this item's text: `en` or `es` (as `Content-Language`), requested with "
        "`?lang=` or `Accept-Language`."
    )
    fallback_fields = serializers.SerializerMethodField(
        help_text="Fields of this item shown in English because they have no text in `language` yet; always "
        "empty for `en`. Related items (a program's therapies, tags) fall back too, unlisted."
    )

    def get_language(self, item: Any) -> str:
        return str(self.context.get("lang", i18n.DEFAULT_LANGUAGE))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's, except that a field showing a translated column reads it with `content.i18n.localized`
        rather than through modeltranslation's descriptor: the same value, at a fraction of the cost."""
        lang = self.get_language(instance)
        record_item(instance)  # the response shows it: its surrogate key (api.caching_edge)
        translated = i18n.translated_fields(type(instance))
        representation: dict[str, Any] = {}
        for field in self._readable_fields:
            if field.source in translated:
                attribute = i18n.localized(instance, field.source, lang)
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            name = str(field.field_name)
            representation[name] = None if check_for_none is None else field.to_representation(attribute)
        return representation

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_fallback_fields(self, item: Any) -> list[str]:
        translated: dict[str, tuple[str, ...]] = self.Meta.translated  # type: ignore[attr-defined]
        shown = {name: fields for name, fields in translated.items() if name in self.fields}
        return i18n.fallback_fields(item, fields=shown, lang=self.get_language(item))


_SEO_FIELDS = ("seo_title", "seo_description")
_BODY_FIELDS = {"body": ("body_json",), "body_html": ("body_html",)}


class SeoSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="Page title for search engines.")
    description = serializers.CharField(help_text="Meta description.")
    canonical_path = serializers.CharField(help_text="Path of the page on the public website.")


def _seo(item: Any, *, title: str, description: str, lang: str) -> dict[str, str]:
    """`title` and `description` name the translated fields the SEO texts default to."""
    return {
        "title": i18n.localized(item, "seo_title", lang) or i18n.localized(item, title, lang),
        "description": i18n.localized(item, "seo_description", lang)
        or (i18n.localized(item, description, lang) or "")[:160],
        "canonical_path": page_path(item),
    }


class TherapyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Therapy
        fields = ["slug", "name", "abbreviation"]


class ProgramRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["slug", "name", "short_name"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class ProgramFAQSerializer(serializers.ModelSerializer):
    class Meta:
        model = FAQ
        fields = ["id", "question", "answer"]


class RelatedList(serializers.Field):
    """A prefetched list of related items as small objects, in the shape of `serializer` (which documents it).

    A nested `ModelSerializer(many=True)` gives the same output at several times the cost per row, which
    shows on a page of twenty articles with their tags, programs and therapies.
    """

    serializer: type[serializers.ModelSerializer]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)
        self.attributes = tuple(self.serializer.Meta.fields)

    def to_representation(self, items: Any) -> list[dict[str, Any]]:
        record_items(self.serializer.Meta.model, items)
        return [{name: getattr(item, name) for name in self.attributes} for item in items]


@extend_schema_field(TherapyRefSerializer(many=True))
class TherapyRefs(RelatedList):
    serializer = TherapyRefSerializer


@extend_schema_field(ProgramRefSerializer(many=True))
class ProgramRefs(RelatedList):
    serializer = ProgramRefSerializer


@extend_schema_field(TagSerializer(many=True))
class TagRefs(RelatedList):
    serializer = TagSerializer


@extend_schema_field(ProgramFAQSerializer(many=True))
class FAQRefs(RelatedList):
    serializer = ProgramFAQSerializer


class ScheduleSerializer(serializers.Serializer):
    days_per_week = serializers.IntegerField(allow_null=True, help_text="Null until the center confirms it.")
    hours_per_day = serializers.DecimalField(
        max_digits=3, decimal_places=1, allow_null=True, coerce_to_string=False, help_text="Null until confirmed."
    )


class AvailabilitySerializer(serializers.Serializer):
    accepting = serializers.ChoiceField(
        choices=ProgramAvailability.Accepting.choices,
        help_text="`unknown` when intake has not said, or said more than 14 days ago (`stale`).",
    )
    openings = serializers.IntegerField(allow_null=True, help_text="Places open now; null when not stated.")
    next_intake_date = serializers.DateField(allow_null=True)
    typical_wait_days = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When intake last confirmed the figures (kept when stale, to show their age)."
    )
    stale = serializers.BooleanField(help_text="The figures are older than 14 days: shown as unknown.")


class InsurancePlanRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    payer = serializers.CharField()
    plan = serializers.CharField(help_text="Empty when every plan of the payer is meant.")
    kind = serializers.ChoiceField(choices=InsurancePlan.Kind.choices)
    network_status = serializers.ChoiceField(choices=NetworkStatus.choices)
    notes = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = instance["plan"]
        return {
            "slug": plan.slug,
            "payer": plan.payer,
            "plan": plan.plan,
            "kind": plan.kind,
            "network_status": instance["network_status"],
            "notes": plan.notes,
        }


class ServiceAreaSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="Two-letter state code: AZ.")
    counties = serializers.ListField(
        child=serializers.CharField(), help_text="Counties served; empty when the whole state is."
    )


DELIVERY_METHOD_CHOICES = [("in_person", "In person"), ("telehealth", "Telehealth")]


class EligibilitySerializer(serializers.Serializer):
    minimum_age = serializers.IntegerField(allow_null=True)
    maximum_age = serializers.IntegerField(allow_null=True)
    level_of_care = serializers.ChoiceField(choices=Program.LevelOfCare.choices)
    conditions = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField(), help_text="ISO 639-1 codes; empty: not stated.")
    service_area = ServiceAreaSerializer()
    delivery_methods = serializers.ListField(child=serializers.ChoiceField(choices=DELIVERY_METHOD_CHOICES))
    required_documents = serializers.ListField(child=serializers.CharField())
    fees_description = serializers.CharField()


def program_eligibility(program: Program, lang: str) -> dict[str, Any]:
    return {
        "minimum_age": program.minimum_age,
        "maximum_age": program.maximum_age,
        "level_of_care": program.level_of_care,
        "conditions": i18n.localized(program, "conditions_addressed", lang) or [],
        "languages": program.languages,
        "service_area": {"state": "AZ", "counties": program.service_area_counties},
        "delivery_methods": program.delivery_methods,
        "required_documents": i18n.localized(program, "required_documents", lang) or [],
        "fees_description": i18n.localized(program, "fees_description", lang) or "",
    }


MEDIA_FORMAT_CHOICES = [("avif", "AVIF"), ("webp", "WebP"), ("jpeg", "JPEG")]


class RenditionSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Absolute URL; the name is the content's hash, cached for a year.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.ChoiceField(choices=MEDIA_FORMAT_CHOICES)
    crop = serializers.CharField(
        allow_blank=True,
        help_text="Empty for the whole image; else the aspect ratio cropped around the focal point: `16:9`, `4:3` "
        "or `1:1`.",
    )


class FocalPointSerializer(serializers.Serializer):
    x = serializers.FloatField(help_text="From 0 (left edge) to 1 (right edge).")
    y = serializers.FloatField(help_text="From 0 (top edge) to 1 (bottom edge).")


class SrcsetSerializer(serializers.Serializer):
    avif = serializers.CharField(help_text="`srcset` of the whole image in AVIF, e.g. `…/a.avif 320w, …/b.avif 640w`.")
    webp = serializers.CharField(help_text="`srcset` in WebP.")
    jpeg = serializers.CharField(help_text="`srcset` in JPEG, for the `<img>` fallback.")


class MediaImageSerializer(serializers.Serializer):
    """An image, shaped for `<picture>` (one `<source>` per format from `srcset`) and Next.js `next/image`
    (`url`, `width`, `height`, `blurhash` as the placeholder). Metadata is stripped from every file."""

    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The largest JPEG rendition (the stripped original until they exist).")
    width = serializers.IntegerField(help_text="The original's width in pixels.")
    height = serializers.IntegerField(help_text="The original's height in pixels.")
    alt = serializers.CharField(help_text="Alt text in the response's language (English when not translated).")
    caption = serializers.CharField(allow_blank=True)
    credit = serializers.CharField(allow_blank=True)
    licence = serializers.CharField(allow_blank=True)
    blurhash = serializers.CharField(allow_blank=True, help_text="BlurHash placeholder (https://blurha.sh).")
    focal_point = FocalPointSerializer()
    renditions = RenditionSerializer(many=True, help_text="Empty for a moment after upload, while they are made.")
    srcset = SrcsetSerializer()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        record_item(instance)  # the page shows the image: a change of it purges the page (api.caching_edge)
        return image_object(instance, lang=str(self.context.get("lang", i18n.DEFAULT_LANGUAGE)))


def expand_images(blocks: list[dict[str, Any]], *, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The body as the API shows it (content.image_objects.expand_images), each image recorded for the page's surrogate
    keys as a hero image is; the assets are read once per response (`context["media_assets"]`)."""
    return image_objects.expand_images(
        blocks,
        lang=str(context.get("lang", i18n.DEFAULT_LANGUAGE)),
        known=context.setdefault("media_assets", {}),
        on_image=record_item,
    )


def body_with_images(body_json: str, *, context: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The expanded blocks of a stored body that has image blocks; None for one without (shown as stored)."""
    if _IMAGE_BLOCK_MARK not in body_json:
        return None
    return expand_images(orjson.loads(body_json), context=context)


# An image or null, in OpenAPI 3.0 terms that every tool here reads alike: drf-spectacular's `allOf` with
# `nullable` and no `type` fails Redocly (nullable-type-sibling), and with a `type` openapi-python-client reads
# it as never null. Two branches say it plainly: the image, or null.
_HERO_IMAGE_SCHEMA = {
    "oneOf": [
        {"$ref": "#/components/schemas/MediaImage"},
        {"type": "object", "nullable": True, "enum": [None], "description": "No hero image."},
    ],
    "description": "The page's main image, or null: an image object, as `GET /api/v1/media/{id}/` gives it.",
}


@extend_schema_field(_HERO_IMAGE_SCHEMA)
class HeroImageField(serializers.Field):
    """The item's hero image as an image object (its row joined by the selector), or null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, Any]:
        return MediaImageSerializer(value, context=self.context).data


def _hero_image() -> HeroImageField:
    return HeroImageField()


class _Published(LocalizedFields, SparseFieldsSerializer):
    published_at = serializers.DateTimeField(source="publish_at", read_only=True)
    seo = serializers.SerializerMethodField()
    json_ld = JsonLdField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The stored body and its HTML, except for a body with image blocks: those are expanded to image
        objects (`expand_images`) and the HTML rendered from them, at read time, so an image's new renditions,
        texts or focal point show without saving every page that uses it."""
        representation = super().to_representation(instance)
        if "body" not in representation and "body_html" not in representation:
            return representation
        lang = self.get_language(instance)
        blocks = body_with_images(i18n.localized(instance, "body_json", lang) or "[]", context=self.context)
        if blocks is not None:
            if "body" in representation:
                representation["body"] = blocks
            if "body_html" in representation:
                representation["body_html"] = render_html(blocks, lang=lang)
        return representation

    def _organization(self) -> str:
        return str(self.context.get("organization_name", ""))


class ProgramSerializer(_Published):
    schedule = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()
    eligibility = serializers.SerializerMethodField()
    insurance = serializers.SerializerMethodField(help_text="Payers and plans this program accepts.")
    therapies = TherapyRefs(source="prefetched_therapies")
    faqs = FAQRefs(source="prefetched_faqs")
    body = BodyField()
    hero_image = _hero_image()

    class Meta:
        model = Program
        fields = [
            "slug",
            "name",
            "short_name",
            "level_of_care",
            "summary",
            "hero_image",
            "schedule",
            "typical_length",
            "who_it_is_for",
            "conditions_addressed",
            "what_to_expect",
            "availability",
            "eligibility",
            "insurance",
            "therapies",
            "faqs",
            "body",
            "body_html",
            "seo",
            "json_ld",
            "published_at",
            "updated_at",
            "language",
            "fallback_fields",
        ]
        list_fields = [
            "slug",
            "name",
            "short_name",
            "level_of_care",
            "summary",
            "hero_image",
            "schedule",
            "typical_length",
            "availability",
            "eligibility",
            "insurance",
            "therapies",
            "seo",
            "published_at",
            "updated_at",
            "language",
            "fallback_fields",
        ]
        translated = {
            **{name: (name,) for name in ("name", "short_name", "summary", "typical_length", "who_it_is_for")},
            **{name: (name,) for name in ("conditions_addressed", "what_to_expect")},
            "eligibility": ("required_documents", "fees_description"),
            **_BODY_FIELDS,
            "seo": _SEO_FIELDS,
        }

    @extend_schema_field(AvailabilitySerializer)
    def get_availability(self, program: Program) -> dict[str, Any]:
        return AvailabilitySerializer(selectors.availability_shown(program=program)).data

    @extend_schema_field(EligibilitySerializer)
    def get_eligibility(self, program: Program) -> dict[str, Any]:
        return program_eligibility(program, self.get_language(program))

    @extend_schema_field(InsurancePlanRefSerializer(many=True))
    def get_insurance(self, program: Program) -> list[dict[str, Any]]:
        # The plans are fetched once per response by the view (`insurance_plans` in the context).
        plans = self.context.get("insurance_plans")
        if plans is None:
            plans = selectors.insurance_plan_list(program=program)
        found = selectors.program_insurance(program=program, plans=plans)
        return [InsurancePlanRefSerializer().to_representation(entry) for entry in found]

    @extend_schema_field(ScheduleSerializer)
    def get_schedule(self, program: Program) -> dict[str, Any]:
        hours = program.hours_per_day
        return {"days_per_week": program.days_per_week, "hours_per_day": float(hours) if hours is not None else None}

    @extend_schema_field(SeoSerializer)
    def get_seo(self, program: Program) -> dict[str, str]:
        return _seo(
            program,
            title="name",
            description="summary",
            lang=self.get_language(program),
        )

    def get_json_ld(self, program: Program) -> dict[str, Any]:
        return jsonld.program_jsonld(
            program, path=page_path(program), organization=self._organization(), language=self.get_language(program)
        )


class TherapySerializer(_Published):
    programs = ProgramRefs(source="prefetched_programs", help_text="Programs that use this therapy.")
    formats = serializers.ListField(child=serializers.ChoiceField(choices=Therapy.Format.choices), read_only=True)
    body = BodyField()
    hero_image = _hero_image()

    class Meta:
        model = Therapy
        fields = [
            "slug",
            "name",
            "abbreviation",
            "summary",
            "hero_image",
            "formats",
            "programs",
            "body",
            "body_html",
            "seo",
            "json_ld",
            "published_at",
            "updated_at",
            "language",
            "fallback_fields",
        ]
        list_fields = [
            "slug",
            "name",
            "abbreviation",
            "summary",
            "hero_image",
            "formats",
            "programs",
            "seo",
            "updated_at",
            "language",
            "fallback_fields",
        ]
        translated = {
            **{name: (name,) for name in ("name", "abbreviation", "summary")},
            **_BODY_FIELDS,
            "seo": _SEO_FIELDS,
        }

    @extend_schema_field(SeoSerializer)
    def get_seo(self, therapy: Therapy) -> dict[str, str]:
        return _seo(
            therapy,
            title="name",
            description="summary",
            lang=self.get_language(therapy),
        )

    def get_json_ld(self, therapy: Therapy) -> dict[str, Any]:
        return jsonld.therapy_jsonld(therapy, path=page_path(therapy), language=self.get_language(therapy))


class ArticleSerializer(_Published):
    tags = TagRefs(source="prefetched_tags")
    related_programs = ProgramRefs(source="prefetched_related_programs")
    related_therapies = TherapyRefs(source="prefetched_related_therapies")
    body = BodyField()
    hero_image = _hero_image()

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "summary",
            "hero_image",
            "author",
            "tags",
            "related_programs",
            "related_therapies",
            "reading_time_minutes",
            "published_at",
            "updated_at",
            "body",
            "body_html",
            "seo",
            "json_ld",
            "language",
            "fallback_fields",
        ]
        translated = {"title": ("title",), "summary": ("summary",), **_BODY_FIELDS, "seo": _SEO_FIELDS}
        list_fields = [
            "slug",
            "title",
            "summary",
            "hero_image",
            "author",
            "tags",
            "related_programs",
            "related_therapies",
            "reading_time_minutes",
            "published_at",
            "updated_at",
            "language",
            "fallback_fields",
        ]

    @extend_schema_field(SeoSerializer)
    def get_seo(self, article: Article) -> dict[str, str]:
        return _seo(
            article,
            title="title",
            description="summary",
            lang=self.get_language(article),
        )

    def get_json_ld(self, article: Article) -> dict[str, Any]:
        return jsonld.article_jsonld(
            article, path=page_path(article), organization=self._organization(), language=self.get_language(article)
        )


class ShownSlugField(serializers.SlugRelatedField):
    """A related item shown by its slug, whose surrogate key the response then carries (api.caching_edge)."""

    def to_representation(self, obj: Any) -> Any:
        record_item(obj)
        return super().to_representation(obj)


class FAQSerializer(LocalizedFields, SparseFieldsSerializer):
    program: serializers.SlugRelatedField = ShownSlugField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = FAQ
        fields = ["id", "question", "answer", "program", "order", "language", "fallback_fields"]
        translated = {"question": ("question",), "answer": ("answer",)}


class TestimonialSerializer(LocalizedFields, SparseFieldsSerializer):
    program: serializers.SlugRelatedField = ShownSlugField(slug_field="slug", read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(source="publish_at", read_only=True)

    class Meta:
        model = Testimonial
        fields = ["id", "quote", "attribution", "program", "published_at", "language", "fallback_fields"]
        translated = {"quote": ("quote",), "attribution": ("attribution",)}


ADDRESS_FIELDS = ("street_address", "city", "region", "postal_code", "country")


class AddressSerializer(serializers.Serializer):
    street_address = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()


class CrisisResourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    sms = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class OpeningHoursSerializer(serializers.Serializer):
    days = serializers.ListField(child=serializers.CharField(), help_text="Mo, Tu, We, Th, Fr, Sa, Su")
    opens = serializers.CharField(help_text="HH:MM, local time")
    closes = serializers.CharField(help_text="HH:MM, local time")


class CallToActionSerializer(serializers.Serializer):
    text = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    href = serializers.CharField()


class SiteProfileSerializer(LocalizedFields, serializers.ModelSerializer):
    address = serializers.SerializerMethodField()
    hours = OpeningHoursSerializer(many=True, read_only=True)
    crisis_resources = CrisisResourceSerializer(many=True, read_only=True)
    calls_to_action = CallToActionSerializer(many=True, read_only=True)
    seo = serializers.SerializerMethodField()
    json_ld = JsonLdField()

    class Meta:
        model = SiteProfile
        fields = [
            "name",
            "licence_statement",
            "phone",
            "phone_display",
            "email",
            "address",
            "hours",
            "time_zone",
            "crisis_resources",
            "calls_to_action",
            "seo",
            "json_ld",
            "updated_at",
            "language",
            "fallback_fields",
        ]
        translated = {
            "licence_statement": ("licence_statement",),
            "crisis_resources": ("crisis_resources",),
            "calls_to_action": ("calls_to_action",),
            "seo": _SEO_FIELDS,
        }

    @extend_schema_field(AddressSerializer)
    def get_address(self, profile: SiteProfile) -> dict[str, str]:
        return {name: getattr(profile, name) for name in ADDRESS_FIELDS}

    @extend_schema_field(SeoSerializer)
    def get_seo(self, profile: SiteProfile) -> dict[str, str]:
        return {
            "title": profile.seo_title or profile.name,
            "description": profile.seo_description or profile.licence_statement,
            "canonical_path": profile.canonical_path,
        }

    @extend_schema_field(_JSONLD_SCHEMA)
    def get_json_ld(self, profile: SiteProfile) -> dict[str, Any]:
        return jsonld.site_jsonld(profile, language=self.get_language(profile))


REDIRECT_SOURCE_CHOICES = [("slug_change", "Slug change"), ("manual", "Added in the admin")]


class RedirectSerializer(serializers.Serializer):
    """One public-path redirect (content.selectors.PublicRedirect)."""

    old_path = serializers.CharField(help_text="The path to redirect from, on the public website, e.g. `/articles/x/`.")
    new_path = serializers.CharField(
        help_text="Where it goes: a path on the website, or a full URL when `external` is true. Never itself a "
        "redirect's `old_path` (no chains)."
    )
    permanent = serializers.BooleanField(help_text="`true`: permanent (301/308); `false`: temporary (302/307).")
    external = serializers.BooleanField(help_text="`true` when `new_path` is on another website.")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, popped by DRF's metaclass
        choices=REDIRECT_SOURCE_CHOICES,
        help_text="`slug_change`: kept when an editor renamed a live item; `manual`: added in the admin.",
    )


SITEMAP_PAGE_TYPE_CHOICES = [
    ("site", "The home page"),
    ("list", "A list page"),
    ("program", "A program"),
    ("therapy", "A therapy"),
    ("article", "An article"),
]


class SitemapAlternateSerializer(serializers.Serializer):
    lang = serializers.CharField(help_text="The language of the alternate, as `hreflang` names it: `es`.")
    path = serializers.CharField(help_text="The page in that language on the public website, e.g. `/es/programs/iop/`.")


class SitemapEntrySerializer(serializers.Serializer):
    """One public page (content.selectors.SitemapEntry)."""

    path = serializers.CharField(help_text="The page's path on the public website, as `seo.canonical_path` gives it.")
    type = serializers.ChoiceField(choices=SITEMAP_PAGE_TYPE_CHOICES, help_text="What the page shows.")
    lastmod = serializers.DateTimeField(
        help_text="When the page last changed as a visitor sees it: the later of its last edit and its go-live; "
        "a list's and the home page's, their newest item's."
    )
    alternates = SitemapAlternateSerializer(
        many=True,
        help_text="The page in other languages, where a version exists (`hreflang`); the English page is `path`.",
    )
    images = serializers.ListField(
        child=serializers.CharField(),
        help_text="URLs of the images the page shows, for an image sitemap. Empty until the content has media.",
    )


class MenuChildSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]  # a field, popped by DRF's metaclass
        help_text="In the response's language: the editor's label, else the linked item's name or title."
    )
    path = serializers.CharField(
        help_text="Where it leads: the linked item's public path (it follows the item's slug), a path on the "
        "site, or a full URL when `external`."
    )
    external = serializers.BooleanField(help_text="`true` when `path` is on another website.")


class MenuItemSerializer(MenuChildSerializer):
    children = MenuChildSerializer(many=True, help_text="The items under this one (one level), in order.")


class MenuSerializer(serializers.Serializer):
    """A navigation menu (content.selectors.PublicMenu)."""

    slug = serializers.SlugField(help_text="`header`, `footer`, or one an editor added.")
    name = serializers.CharField(help_text="The menu's name, in the response's language.")
    items = MenuItemSerializer(
        many=True,
        help_text="Top-level items in order. A link to a program, therapy or article that is not live is left "
        "out, with its children.",
    )


class InsuranceProgramSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="A live program's slug.")
    network_status = serializers.ChoiceField(choices=NetworkStatus.choices)


class InsurancePlanSerializer(serializers.Serializer):
    """A payer or plan the center accepts, with its network status per live program."""

    slug = serializers.SlugField()
    payer = serializers.CharField()
    plan = serializers.CharField(help_text="Empty when every plan of the payer is meant.")
    kind = serializers.ChoiceField(choices=InsurancePlan.Kind.choices)
    notes = serializers.CharField()
    programs = InsuranceProgramSerializer(many=True, help_text="Live programs that accept it, with their status.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = instance["plan"]
        lang = str(self.context.get("lang", i18n.DEFAULT_LANGUAGE))
        return {
            "slug": plan.slug,
            "payer": plan.payer,
            "plan": plan.plan,
            "kind": plan.kind,
            "notes": i18n.localized(plan, "notes", lang) or "",
            "programs": instance["programs"],
        }
