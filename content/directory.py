"""Stable public ids for what referral directories index (Open Referral HSDS): UUIDv5 of a fixed namespace and
the item's kind and first slug.

An item's id is drawn when it is first saved and stored with it (`directory_id`), so it never changes when an
editor renames the slug, and a fresh database seeded with the same content gives the same ids every time.
Things that are not rows of their own (the center's location, a service's schedule) derive theirs from the
ids of what they belong to.
"""

import uuid

# Fixed for ever: every id a directory has stored was derived from it.
NAMESPACE = uuid.UUID("6f0b7c1e-2f51-5b1e-9a0d-3c6f9e1d2a47")


def directory_uuid(kind: str, *parts: object) -> uuid.UUID:
    """The id of the item of `kind` named by `parts` (a slug, or the ids of what it belongs to)."""
    return uuid.uuid5(NAMESPACE, ":".join([kind, *(str(part) for part in parts)]))
