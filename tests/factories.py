"""factory_boy factories; every item goes through the content services, as editors' items do."""

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from content import models, services


def paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "children": [{"text": text}]}


class _PublishedFactory(factory.django.DjangoModelFactory):
    """Builds an item and saves it through `content_save`, published an hour ago unless told otherwise."""

    status = models.PublicationStatus.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return services.content_save(item=model_class(*args, **kwargs))


class TherapyFactory(_PublishedFactory):
    name = factory.Sequence(lambda n: f"Therapy {n}")
    slug = factory.Sequence(lambda n: f"therapy-{n}")
    summary = "A therapy."
    body = factory.LazyFunction(lambda: [paragraph("About this therapy.")])

    class Meta:
        model = models.Therapy


class ProgramFactory(_PublishedFactory):
    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    short_name = "P"
    level_of_care = models.Program.LevelOfCare.INTENSIVE_OUTPATIENT
    summary = "A program."
    body = factory.LazyFunction(lambda: [paragraph("About this program.")])

    class Meta:
        model = models.Program


class TagFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")

    class Meta:
        model = models.Tag


class ArticleFactory(_PublishedFactory):
    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "An article."
    body = factory.LazyFunction(lambda: [{"type": "heading", "level": 2, "text": "Section"}, paragraph("Words.")])

    class Meta:
        model = models.Article


class FAQFactory(_PublishedFactory):
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An answer."
    order = factory.Sequence(lambda n: n)

    class Meta:
        model = models.FAQ


class TestimonialFactory(_PublishedFactory):
    quote = "It helped."
    consent_on_file = True

    class Meta:
        model = models.Testimonial


class SiteProfileFactory(factory.django.DjangoModelFactory):
    id = 1
    name = "Core Recovery"
    phone = "+16029267729"
    phone_display = "602-926-7729"
    city = "Phoenix"
    region = "AZ"

    class Meta:
        model = models.SiteProfile
        django_get_or_create = ("id",)
