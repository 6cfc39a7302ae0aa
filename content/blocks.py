"""The structured body: a list of typed blocks, validated by a JSON Schema and rendered to sanitised HTML.

Blocks are what a frontend can lay out itself; `body_html` is the same content for a frontend that just
wants markup. Inline text is a list of spans (`{"text": ..., "bold": true, "italic": true, "href": ...}`),
so no block ever carries raw HTML.
"""

import html
from collections.abc import Iterable
from typing import Any

import jsonschema
import nh3

# http(s) links, site-relative paths, mail and phone links; nothing that runs script.
HREF_PATTERN = r"^(https?://|/(?!/)|mailto:|tel:\+?[0-9])"
_HREF_PATTERN = HREF_PATTERN

_TEXT = {"type": "string", "minLength": 1, "maxLength": 5000}
_SPAN = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "text": _TEXT,
        "bold": {"type": "boolean"},
        "italic": {"type": "boolean"},
        "href": {"type": "string", "maxLength": 2000, "pattern": _HREF_PATTERN},
    },
}
_SPANS = {"type": "array", "minItems": 1, "maxItems": 200, "items": {"$ref": "#/$defs/span"}}


def _block(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", *required],
        "additionalProperties": False,
        "properties": {"type": {"const": name}, **properties},
    }


BLOCK_TYPES = ("heading", "paragraph", "list", "quote", "call_to_action", "crisis_resources")

BODY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Structured body",
    "type": "array",
    "maxItems": 1000,
    "items": {
        "oneOf": [
            _block(
                "heading", {"level": {"type": "integer", "minimum": 2, "maximum": 4}, "text": _TEXT}, ["level", "text"]
            ),
            _block("paragraph", {"children": _SPANS}, ["children"]),
            _block(
                "list",
                {
                    "style": {"enum": ["bulleted", "numbered"]},
                    "items": {"type": "array", "minItems": 1, "maxItems": 200, "items": _SPANS},
                },
                ["style", "items"],
            ),
            _block("quote", {"children": _SPANS, "attribution": {"type": "string", "maxLength": 200}}, ["children"]),
            _block(
                "call_to_action",
                {
                    "text": {"type": "string", "minLength": 1, "maxLength": 500},
                    "label": {"type": "string", "minLength": 1, "maxLength": 100},
                    "href": {"type": "string", "maxLength": 2000, "pattern": _HREF_PATTERN},
                },
                ["text", "label", "href"],
            ),
            _block("crisis_resources", {}, []),
        ]
    },
    "$defs": {"span": _SPAN},
}

_VALIDATOR = jsonschema.Draft202012Validator(BODY_SCHEMA)

# The crisis block renders the national lines, which never change with the site profile. The 988 Lifeline
# answers in Spanish too (by phone, option 2).
CRISIS_TEXT = (
    "If you are in crisis, call or text 988 (Suicide & Crisis Lifeline), available 24/7. In an emergency, call 911."
)
CRISIS_TEXTS = {
    "en": (CRISIS_TEXT, ("Call 988", "Text 988", "Call 911")),
    "es": (
        "Si está en crisis, llame o envíe un mensaje de texto al 988 (988 Línea de Prevención del Suicidio y "
        "Crisis), las 24 horas; para hablar en español, marque la opción 2. En una emergencia, llame al 911.",
        ("Llamar al 988", "Texto al 988", "Llamar al 911"),
    ),
}


class InvalidBody(ValueError):
    """The body does not match BODY_SCHEMA; `messages` says where and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def validate_body(blocks: Any) -> None:
    errors = sorted(_VALIDATOR.iter_errors(blocks), key=lambda error: list(error.absolute_path))
    if errors:
        messages = []
        for error in errors[:10]:
            where = "/".join(str(part) for part in error.absolute_path) or "body"
            messages.append(f"{where}: {_short_message(error)}")
        raise InvalidBody(messages)


def _short_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        block_type = error.instance.get("type")
        if block_type not in BLOCK_TYPES:
            return f"unknown block type {block_type!r}; expected one of {', '.join(BLOCK_TYPES)}"
        # Report what is wrong within the branch for this block's type, not that every branch failed.
        branch = BLOCK_TYPES.index(block_type)
        for cause in error.context or []:
            if cause.relative_schema_path and cause.relative_schema_path[0] == branch:
                where = "/".join(str(part) for part in cause.relative_path)
                return f"invalid {block_type} block: {where + ': ' if where else ''}{str(cause.message)[:200]}"
        return f"invalid {block_type} block"
    return str(error.message)[:200]


def _spans_html(spans: Iterable[dict[str, Any]]) -> str:
    parts = []
    for span in spans:
        text = html.escape(span["text"], quote=False)
        if span.get("bold"):
            text = f"<strong>{text}</strong>"
        if span.get("italic"):
            text = f"<em>{text}</em>"
        if span.get("href"):
            text = f'<a href="{html.escape(span["href"])}">{text}</a>'
        parts.append(text)
    return "".join(parts)


def _block_html(block: dict[str, Any], lang: str = "en") -> str:
    kind = block["type"]
    if kind == "heading":
        level = block["level"]
        return f"<h{level}>{html.escape(block['text'], quote=False)}</h{level}>"
    if kind == "paragraph":
        return f"<p>{_spans_html(block['children'])}</p>"
    if kind == "list":
        tag = "ol" if block["style"] == "numbered" else "ul"
        items = "".join(f"<li>{_spans_html(item)}</li>" for item in block["items"])
        return f"<{tag}>{items}</{tag}>"
    if kind == "quote":
        attribution = block.get("attribution")
        footer = f"<footer>{html.escape(attribution, quote=False)}</footer>" if attribution else ""
        return f"<blockquote><p>{_spans_html(block['children'])}</p>{footer}</blockquote>"
    if kind == "call_to_action":
        return (
            f'<aside class="call-to-action"><p>{html.escape(block["text"], quote=False)}</p>'
            f'<a href="{html.escape(block["href"])}">{html.escape(block["label"], quote=False)}</a></aside>'
        )
    # crisis_resources
    text, (call, sms, emergency) = CRISIS_TEXTS.get(lang, CRISIS_TEXTS["en"])
    return (
        f'<aside class="crisis-resources"><p>{html.escape(text, quote=False)}</p>'
        f'<a href="tel:988">{call}</a> <a href="sms:988">{sms}</a> <a href="tel:911">{emergency}</a></aside>'
    )


_ALLOWED_TAGS = {"h2", "h3", "h4", "p", "strong", "em", "a", "ul", "ol", "li", "blockquote", "footer", "aside"}
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "aside": {"class"}}


def render_html(blocks: list[dict[str, Any]], *, lang: str = "en") -> str:
    """Render validated blocks to HTML, then sanitise it with nh3 as a second line of defence. `lang` is the
    language of the fixed texts (the crisis block)."""
    markup = "\n".join(_block_html(block, lang) for block in blocks)
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "sms"},
        link_rel="noopener",
    )


def plain_text(blocks: list[dict[str, Any]]) -> str:
    """The words of the body, for search and reading time."""
    words: list[str] = []
    for block in blocks:
        if "text" in block:
            words.append(block["text"])
        for span in block.get("children", []):
            words.append(span["text"])
        for item in block.get("items", []):
            words.extend(span["text"] for span in item)
    return "\n".join(words)
