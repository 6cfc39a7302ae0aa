"""Content languages: which there are, the fallback order, the columns a reader of one language needs, and
which fields of an item fall back to English.

Fields registered in content/translation.py have a column per language; django-modeltranslation makes
`item.title` read the active language's column, or the English one when that is empty. A Spanish reader
therefore needs the Spanish and the English columns, an English reader only the English ones, and nobody
the untranslated original column (modeltranslation keeps it as a copy of the default language).
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Field, Model
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import get_language

DEFAULT_LANGUAGE = "en"


def content_languages() -> tuple[str, ...]:
    return tuple(code for code, _ in settings.LANGUAGES)


def active_language() -> str:
    """The language content is being read in (`django.utils.translation.override`); English by default."""
    return get_language()


def fallback_order(lang: str) -> tuple[str, ...]:
    """The languages to try, in order, for a reader of `lang`."""
    return (lang,) if lang == DEFAULT_LANGUAGE else (lang, DEFAULT_LANGUAGE)


_translated: dict[type[Model], frozenset[str]] = {}


def translated_fields(model: type[Model]) -> frozenset[str]:
    """Names of the model's fields that have a column per language (none when it is not registered)."""
    names = _translated.get(model)
    if names is None:
        try:
            names = frozenset(translator.get_options_for_model(model).all_fields)
        except NotRegistered:
            names = frozenset()
        _translated[model] = names
    return names


_unread: dict[tuple[type[Model], str], tuple[str, ...]] = {}


def unread_columns(model: type[Model], lang: str) -> tuple[str, ...]:
    """Columns of translated fields a reader of `lang` never reads: the original ones and other languages'."""
    columns = _unread.get((model, lang))
    if columns is None:
        needed = set(fallback_order(lang))
        found: list[str] = []
        for name in translated_fields(model):
            found.append(name)
            found += [f"{name}_{other}" for other in content_languages() if other not in needed]
        columns = _unread[(model, lang)] = tuple(found)
    return columns


_defaults: dict[tuple[type[Model], str], object] = {}


def _default(model: type[Model], name: str) -> object:
    key = (model, name)
    if key not in _defaults:
        field = model._meta.get_field(name)
        _defaults[key] = field.get_default() if isinstance(field, Field) else None
    return _defaults[key]


def _missing(model: type[Model], name: str, value: object) -> bool:
    # As modeltranslation decides to fall back: no value, or the field's default.
    return value is None or value == _default(model, name)


def localized(item: Model, name: str, lang: str) -> Any:
    """`item.<name>` as a reader of `lang` sees it, exactly what modeltranslation's descriptor returns, read
    straight from the loaded columns: the descriptor costs about 8 µs a read, and a page of twenty articles
    with their bodies reads eighty of them."""
    model, values = type(item), item.__dict__
    for code in fallback_order(lang):
        column = f"{name}_{code}"
        value = values[column] if column in values else getattr(item, column)  # a deferred column loads
        if not _missing(model, name, value):
            return value
    field = model._meta.get_field(name)
    return field.get_default() if isinstance(field, Field) else None  # a fresh one: a list may be changed


def fallback_fields(item: Model, *, fields: Mapping[str, tuple[str, ...]], lang: str) -> list[str]:
    """The names (keys of `fields`) shown in English because their `lang` text is missing and the English is
    not. `fields` maps each response field to the model fields it shows; their columns must be loaded."""
    if lang == DEFAULT_LANGUAGE:
        return []
    model = type(item)
    return [
        shown
        for shown, names in fields.items()
        if any(
            _missing(model, name, getattr(item, f"{name}_{lang}"))
            and not _missing(model, name, getattr(item, f"{name}_{DEFAULT_LANGUAGE}"))
            for name in names
        )
    ]
