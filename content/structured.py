"""Shapes of the structured (JSON) fields editors fill in, checked before anything is saved.

The API serialises these fields as the OpenAPI document describes them (hours, crisis resources, calls to
action, lists of words or of choices); a value of another shape would answer 500 or break the documented
schema at read time. Each validator raises `ValidationError` with a message in words that names the row.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from content.blocks import HREF_PATTERN

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = {
    "Mo": "Monday",
    "Tu": "Tuesday",
    "We": "Wednesday",
    "Th": "Thursday",
    "Fr": "Friday",
    "Sa": "Saturday",
    "Su": "Sunday",
}
_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
_PHONE = re.compile(r"^\+?[0-9]{3,15}$")
_HREF = re.compile(HREF_PATTERN)
_URL = re.compile(r"^https?://[^\s/]+\S*$")

MAX_ROWS = 50
MAX_WORDS = 200  # characters in one entry of a list of words

CRISIS_RESOURCE_KEYS = ("name", "description", "phone", "sms", "url")
CALL_TO_ACTION_KEYS = ("text", "label", "href")
OPENING_HOURS_KEYS = ("days", "opens", "closes")


def text_problem(value: str) -> str | None:
    """Why PostgreSQL or a reader would refuse this text (NUL, unpaired surrogates), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    if any("\ud800" <= char <= "\udfff" for char in value):
        return "contains an invalid character"
    return None


def _text(value: Any, *, where: str, what: str, max_length: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{where}: the {what} must be text.")
    if required and not value.strip():
        raise ValidationError(f"{where}: the {what} is empty.")
    if len(value) > max_length:
        raise ValidationError(f"{where}: the {what} is too long (at most {max_length} characters).")
    problem = text_problem(value)
    if problem:
        raise ValidationError(f"{where}: the {what} {problem}.")
    return value


def _rows(value: Any, *, keys: Iterable[str], noun: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ValidationError(f"Use a list of {noun}, one row each.")
    if len(value) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} {noun}.")
    expected = set(keys)
    for number, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            raise ValidationError(f"Row {number}: not a row of {', '.join(keys)}.")
        missing, unknown = expected - set(row), set(row) - expected
        if missing:
            raise ValidationError(f"Row {number}: missing {', '.join(sorted(missing))}.")
        if unknown:
            raise ValidationError(f"Row {number}: unknown field(s) {', '.join(sorted(map(str, unknown)))[:200]}.")
    return value


def validate_opening_hours(value: Any) -> None:
    """`[{"days": ["Mo", "Tu"], "opens": "08:00", "closes": "17:00"}]`: days of the week, local times."""
    for number, row in enumerate(_rows(value, keys=OPENING_HOURS_KEYS, noun="opening hours"), start=1):
        where = f"Row {number}"
        days = row["days"]
        if not isinstance(days, list) or not days:
            raise ValidationError(f"{where}: choose at least one day.")
        if not all(isinstance(day, str) and day in DAYS for day in days) or len(set(days)) != len(days):
            raise ValidationError(f"{where}: days are {', '.join(DAYS)}, each once.")
        for key, what in (("opens", "opening time"), ("closes", "closing time")):
            if not isinstance(row[key], str) or not _TIME.match(row[key]):
                raise ValidationError(f"{where}: the {what} must be a time such as 08:00 or 17:30.")
        if row["opens"] >= row["closes"]:
            raise ValidationError(f"{where}: the closing time must be after the opening time.")


def validate_crisis_resources(value: Any) -> None:
    """Rows of name, description, phone, sms and url; when there are any, the 988 Lifeline and 911 among them
    (every site profile carries both: a mental-health center's site never drops them)."""
    rows = _rows(value, keys=CRISIS_RESOURCE_KEYS, noun="crisis resources")
    for number, row in enumerate(rows, start=1):
        where = f"Row {number}"
        _text(row["name"], where=where, what="name", max_length=120)
        _text(row["description"], where=where, what="description", max_length=500)
        for key, what in (("phone", "phone number"), ("sms", "text-message number")):
            _text(row[key], where=where, what=what, max_length=20, required=False)
            if row[key] and not _PHONE.match(row[key]):
                raise ValidationError(f"{where}: the {what} must be digits only, e.g. 988 or +16025551234.")
        _text(row["url"], where=where, what="web address", max_length=500, required=False)
        if row["url"] and not _URL.match(row["url"]):
            raise ValidationError(f"{where}: the web address must start with https://.")
        if not (row["phone"] or row["sms"] or row["url"]):
            raise ValidationError(f"{where}: give a phone number, a text-message number or a web address.")
    phones = {row["phone"] for row in rows}
    if rows and not {"988", "911"} <= phones:
        raise ValidationError("Keep the 988 Suicide & Crisis Lifeline (phone 988) and emergency services (phone 911).")


def validate_calls_to_action(value: Any) -> None:
    """Rows of text, button label and link (a path on the site, https://, mailto: or tel:)."""
    for number, row in enumerate(_rows(value, keys=CALL_TO_ACTION_KEYS, noun="calls to action"), start=1):
        where = f"Row {number}"
        _text(row["text"], where=where, what="text", max_length=500)
        _text(row["label"], where=where, what="button label", max_length=100)
        _text(row["href"], where=where, what="link", max_length=2000)
        if not _HREF.match(row["href"]):
            raise ValidationError(
                f"{where}: the link must be a path on the site (/contact/), an https:// address, mailto: or tel:."
            )


def validate_word_list(value: Any) -> None:
    """A list of short texts, e.g. conditions addressed or documents to bring."""
    if not isinstance(value, list):
        raise ValidationError("Use a list: one entry per line.")
    if len(value) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} entries.")
    for number, entry in enumerate(value, start=1):
        _text(entry, where=f"Entry {number}", what="text", max_length=MAX_WORDS)
        if entry != entry.strip():
            raise ValidationError(f"Entry {number}: remove the spaces around it.")


def validate_language_codes(value: Any) -> None:
    """Two-letter ISO 639-1 codes, each once: `["en", "es"]`."""
    if not isinstance(value, list) or not all(
        isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha() and code.islower()
        for code in value
    ):
        raise ValidationError('Use two-letter ISO 639-1 codes, e.g. ["en", "es"].')
    if len(set(value)) != len(value):
        raise ValidationError("Name each language once.")


@deconstructible
class ChoiceListValidator:
    """A list of distinct values out of `choices`."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = tuple(choices)

    def __call__(self, value: Any) -> None:
        if (
            not isinstance(value, list)
            or not all(isinstance(entry, str) and entry in self.choices for entry in value)
            or len(set(value)) != len(value)
        ):
            raise ValidationError(f"Choose any of: {', '.join(self.choices)}, each once.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices == self.choices

    def __hash__(self) -> int:
        return hash(self.choices)
