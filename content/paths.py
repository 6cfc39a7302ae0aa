"""Where content lives on the public website: one rule for the API's `seo.canonical_path`, the JSON-LD URLs,
and the paths a webhook tells a frontend to refresh."""

from typing import Any

from content.models import FAQ, Article, Program, Testimonial, Therapy

LIST_PATHS: dict[type, str] = {
    Program: "/programs/",
    Therapy: "/therapies/",
    Article: "/articles/",
    FAQ: "/faqs/",
    Testimonial: "/testimonials/",
}


def page_path(item: Any) -> str:
    """An item's own page (it has a slug): the path the editors set, else `/<list>/<slug>/`."""
    return item.canonical_path or f"{LIST_PATHS[type(item)]}{item.slug}/"
