"""The names of the surrogate keys content responses carry (api.caching_edge) and content changes purge
(notifications.edge): one vocabulary for both sides, kept in the domain.

`article:12` names an item (the type `content.events.ITEM_TYPES` gives its model, else the model's name),
`articles` every list of a type, `articles:query` its filtered, searched or reordered lists, `article:any`
every page too large to name its items one by one; `site`, `hsds`, and `content` for everything.
"""

from typing import Any

from content.events import ITEM_TYPES

# Every content response carries it: purging it empties the edge of content (the seed, a bulk import).
CONTENT_KEY = "content"
# The site profile's page, and every directory (HSDS) response: the directory maps programs, the site and the
# insurance accepted, so every program, site or insurance change purges it.
SITE_KEY = "site"
HSDS_KEY = "hsds"
# What a list page with filters, a search or another order than the default also carries: an edit can move an
# item into or out of such a page without being on it, so every edit of that type purges them.
QUERY_SUFFIX = ":query"
COARSE_SUFFIX = ":any"
# The plural of an item type: its list's key (`article` → `articles`).
PLURALS = {"therapy": "therapies", "media": "media"}
# Types of what pages show that are not items of their own (no page, no status): editors' images.
MEDIA_TYPE = "media"
_OTHER_TYPES = {"mediaasset": MEDIA_TYPE}


def list_key(item_type: str) -> str:
    return PLURALS.get(item_type, f"{item_type}s")


def query_key(item_type: str) -> str:
    return list_key(item_type) + QUERY_SUFFIX


def coarse_key(item_type: str) -> str:
    return item_type + COARSE_SUFFIX


def item_type_of(model: type) -> str:
    name = model._meta.model_name  # type: ignore[attr-defined]
    return ITEM_TYPES.get(model) or _OTHER_TYPES.get(name, name)


def item_key(instance: Any) -> str:
    return f"{item_type_of(type(instance))}:{instance.pk}"
