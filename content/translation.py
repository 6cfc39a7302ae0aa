"""Which fields have a Spanish version (django-modeltranslation): every text an editor writes for readers.

Each field listed gets a column per language (`title_en`, `title_es`); reading `item.title` gives the active
language's text, or the English one when the Spanish is empty. Slugs, names of people (`author`), paths,
hours and editor notes stay single. The body's derived columns (`body_json`, `body_html`, `body_text`) are
translated too, so each language has its own rendered body and search text (content.services).
"""

from modeltranslation.translator import TranslationOptions, register

from content.models import (
    FAQ,
    Article,
    InsurancePlan,
    MediaAsset,
    Menu,
    MenuItem,
    Program,
    SiteProfile,
    Tag,
    Testimonial,
    Therapy,
)

_SEO = ("seo_title", "seo_description")
_BODY = ("body", "body_json", "body_html", "body_text")


@register(Therapy)
class TherapyTranslation(TranslationOptions):
    fields = ("name", "abbreviation", "summary", *_BODY, *_SEO)


@register(Program)
class ProgramTranslation(TranslationOptions):
    fields = (
        "name",
        "short_name",
        "summary",
        "typical_length",
        "who_it_is_for",
        "conditions_addressed",
        "what_to_expect",
        "required_documents",
        "fees_description",
        *_BODY,
        *_SEO,
    )


@register(Tag)
class TagTranslation(TranslationOptions):
    fields = ("name",)


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = ("title", "summary", *_BODY, *_SEO)


@register(FAQ)
class FAQTranslation(TranslationOptions):
    fields = ("question", "answer", *_SEO)


@register(Testimonial)
class TestimonialTranslation(TranslationOptions):
    fields = ("quote", "attribution", *_SEO)


@register(SiteProfile)
class SiteProfileTranslation(TranslationOptions):
    fields = ("licence_statement", "crisis_resources", "calls_to_action", *_SEO)


@register(Menu)
class MenuTranslation(TranslationOptions):
    fields = ("name",)


@register(MenuItem)
class MenuItemTranslation(TranslationOptions):
    fields = ("label",)


@register(InsurancePlan)
class InsurancePlanTranslation(TranslationOptions):
    fields = ("notes",)


@register(MediaAsset)
class MediaAssetTranslation(TranslationOptions):
    fields = ("alt", "caption")
