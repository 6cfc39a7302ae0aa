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


# Where each language other than English lives on the public website: the same path under a prefix
# (`/es/programs/iop/`), the convention the sitemap's `hreflang` alternates use.
LANGUAGE_PREFIXES: dict[str, str] = {"es": "/es"}


def language_path(path: str, lang: str) -> str:
    """`path` in `lang` on the public website (English paths have no prefix)."""
    return f"{LANGUAGE_PREFIXES[lang]}{path}" if lang in LANGUAGE_PREFIXES else path


def page_path(item: Any) -> str:
    """An item's own page (it has a slug): the path the editors set, else `/<list>/<slug>/`."""
    return item.canonical_path or f"{LIST_PATHS[type(item)]}{item.slug}/"
