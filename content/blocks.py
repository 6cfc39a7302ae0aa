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


BLOCK_TYPES = ("heading", "paragraph", "list", "quote", "call_to_action", "crisis_resources", "image")
# An image block's own alt text and caption, when this use of the image needs other words than the library's.
IMAGE_ALT_MAX, IMAGE_CAPTION_MAX = 300, 500

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
            # An image of the media library by its id; `alt` and `caption` replace the library's for this use.
            _block(
                "image",
                {
                    "image": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "alt": {"type": "string", "minLength": 1, "maxLength": IMAGE_ALT_MAX},
                    "caption": {"type": "string", "minLength": 1, "maxLength": IMAGE_CAPTION_MAX},
                },
                ["image"],
            ),
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


def image_ids(blocks: Any) -> list[int]:
    """The media library ids the body's image blocks name, in order, each once (a stored image block names its
    image by id; anything else is skipped)."""
    found: dict[int, None] = {}
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "image":
            image = image_id(block.get("image"))
            if image is not None:
                found[image] = None
    return list(found)


def image_id(value: Any) -> int | None:
    """An image block's id as an int (JSON Schema's integer admits 7.0), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


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
    if kind == "image":
        return _image_html(block.get("image"))
    # crisis_resources
    text, (call, sms, emergency) = CRISIS_TEXTS.get(lang, CRISIS_TEXTS["en"])
    return (
        f'<aside class="crisis-resources"><p>{html.escape(text, quote=False)}</p>'
        f'<a href="tel:988">{call}</a> <a href="sms:988">{sms}</a> <a href="tel:911">{emergency}</a></aside>'
    )


# The largest width an image takes in the page's reading column, for the browser's choice from `srcset`.
IMAGE_SIZES = "(max-width: 960px) 100vw, 960px"


def _image_html(image: Any) -> str:
    """An image block as `<figure><picture>`: a `<source>` per modern format, the JPEG `<img>` with its width,
    height and alt text, and the caption and credit. `image` is the image object the API shows (the block
    expanded by api.serializers.content); a block not expanded (its image id only, or its image gone) renders
    nothing."""
    if not isinstance(image, dict):
        return ""
    srcset = image.get("srcset") or {}
    sources = "".join(
        f'<source type="image/{kind}" srcset="{html.escape(srcset[kind])}" sizes="{IMAGE_SIZES}">'
        for kind in ("avif", "webp")
        if srcset.get(kind)
    )
    jpeg = f' srcset="{html.escape(srcset["jpeg"])}" sizes="{IMAGE_SIZES}"' if srcset.get("jpeg") else ""
    img = (
        f'<img src="{html.escape(image["url"])}"{jpeg} alt="{html.escape(image["alt"])}" '
        f'width="{int(image["width"])}" height="{int(image["height"])}" loading="lazy" decoding="async">'
    )
    words = [html.escape(image[key], quote=False) for key in ("caption", "credit") if image.get(key)]
    caption = f"<figcaption>{' — '.join(words)}</figcaption>" if words else ""
    return f'<figure class="image"><picture>{sources}{img}</picture>{caption}</figure>'


_ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "footer",
    "aside",
    "figure",
    "picture",
    "source",
    "img",
    "figcaption",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "aside": {"class"},
    "figure": {"class"},
    "source": {"type", "srcset", "sizes"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"},
}


def render_html(blocks: list[dict[str, Any]], *, lang: str = "en") -> str:
    """Render validated blocks to HTML, then sanitise it with nh3 as a second line of defence. `lang` is the
    language of the fixed texts (the crisis block). Image blocks render only once expanded to their image
    objects (content.image_objects.expand_images): the stored body names its images by id."""
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
        if block.get("type") == "image" and block.get("caption"):
            words.append(block["caption"])
    return "\n".join(words)
