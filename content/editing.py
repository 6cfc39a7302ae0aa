"""How editors write the body without JSON: each block as a few form fields, inline text as a tiny HTML subset.

The stored format stays the typed blocks of content.blocks. In the editor, a paragraph's or quote's text, and
each line of a list, is inline markup of three tags only: `<strong>`, `<em>` and `<a href="…">` (the block
editor's Bold, Italic and Link buttons write them; without JavaScript an editor may type them). Everything
else is text: other tags are dropped, their words kept. `spans_from_markup(markup_from_spans(spans))` gives the
same spans back (adjacent spans with the same formatting merged).

`blocks_from_rows` turns the posted rows into blocks; `describe_body_errors` says in words which block and
which of its fields the block schema refused, for the editor to show beside that block.
"""

import html
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import jsonschema

from content.blocks import BLOCK_TYPES, BODY_SCHEMA

BLOCK_LABELS = {
    "heading": "Heading",
    "paragraph": "Paragraph",
    "list": "List",
    "quote": "Quote",
    "call_to_action": "Call to action",
    "crisis_resources": "Crisis resources",
    "image": "Image",
}
# The editor's fields of each block type, in the order they are shown: (form field, label).
BLOCK_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "heading": (("level", "Level"), ("text", "Heading text")),
    "paragraph": (("text", "Text"),),
    "list": (("style", "Style"), ("items", "Items, one per line")),
    "quote": (("text", "Quotation"), ("attribution", "Attribution (optional)")),
    "call_to_action": (("text", "Text"), ("label", "Button label"), ("href", "Link")),
    "crisis_resources": (),
    "image": (
        ("image", "Image from the media library"),
        ("alt", "Alt text here (optional: else the library's)"),
        ("caption", "Caption (optional: else the library's)"),
    ),
}
ROW_FIELDS = ("type", "level", "text", "style", "items", "attribution", "label", "href", "image", "alt", "caption")
HEADING_LEVELS = (2, 3, 4)
LIST_STYLES = (("bulleted", "Bulleted"), ("numbered", "Numbered"))


def _span(text: str, *, bold: bool, italic: bool, href: str | None) -> dict[str, Any]:
    span: dict[str, Any] = {"text": text}
    if bold:
        span["bold"] = True
    if italic:
        span["italic"] = True
    if href is not None:
        span["href"] = href
    return span


def _format(span: dict[str, Any]) -> tuple[bool, bool, str | None]:
    return bool(span.get("bold")), bool(span.get("italic")), span.get("href")


def merge_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent spans with the same formatting as one span (what the same text means, written once)."""
    merged: list[dict[str, Any]] = []
    for span in spans:
        if merged and _format(merged[-1]) == _format(span):
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + span["text"]}
        else:
            merged.append(dict(span))
    return merged


def markup_from_spans(spans: Any) -> str:
    """Spans as inline markup; not a list of spans (an invalid stored body) gives an empty text."""
    if not isinstance(spans, list):
        return ""
    parts = []
    for span in merge_spans([span for span in spans if isinstance(span, dict) and isinstance(span.get("text"), str)]):
        text = html.escape(span["text"], quote=False).replace("\n", "<br>")
        if span.get("italic"):
            text = f"<em>{text}</em>"
        if span.get("bold"):
            text = f"<strong>{text}</strong>"
        if isinstance(span.get("href"), str):
            text = f'<a href="{html.escape(span["href"])}">{text}</a>'
        parts.append(text)
    return "".join(parts)


class _InlineParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[dict[str, Any]] = []
        self.bold = self.italic = 0
        self.links: list[str | None] = []
        self.blocks_seen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"strong", "b"}:
            self.bold += 1
        elif tag in {"em", "i"}:
            self.italic += 1
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or None)
        elif tag == "br":
            self._add("\n")
        elif tag in {"div", "p"}:
            # A rich-text field makes a new line a new block element.
            if self.blocks_seen or self.spans:
                self._add("\n")
            self.blocks_seen += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"strong", "b"}:
            self.bold = max(0, self.bold - 1)
        elif tag in {"em", "i"}:
            self.italic = max(0, self.italic - 1)
        elif tag == "a" and self.links:
            self.links.pop()

    def handle_data(self, data: str) -> None:
        self._add(data)

    def _add(self, text: str) -> None:
        if text:
            href = next((link for link in reversed(self.links) if link), None)
            self.spans.append(_span(text, bold=self.bold > 0, italic=self.italic > 0, href=href))


def spans_from_markup(markup: str) -> list[dict[str, Any]]:
    """Inline markup as spans: `<strong>`/`<b>`, `<em>`/`<i>`, `<a href>`, `<br>`; other tags are dropped."""
    parser = _InlineParser()
    parser.feed(markup.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    spans = merge_spans(parser.spans)
    # Space around the text is the field's, not the reader's: trimmed at both ends.
    if spans:
        spans[0]["text"] = spans[0]["text"].lstrip()
        spans[-1]["text"] = spans[-1]["text"].rstrip()
    return [span for span in spans if span["text"]]


def row_from_block(block: Any) -> dict[str, str]:
    """The editor's fields of one stored block (as text)."""
    row = dict.fromkeys(ROW_FIELDS, "")
    if not isinstance(block, dict):
        return row
    kind = block.get("type")
    row["type"] = kind if isinstance(kind, str) else ""
    if kind == "heading":
        row["level"] = str(block.get("level", 2))
        row["text"] = str(block.get("text", ""))
    elif kind in {"paragraph", "quote"}:
        row["text"] = markup_from_spans(block.get("children"))
        row["attribution"] = str(block.get("attribution", "")) if kind == "quote" else ""
    elif kind == "list":
        row["style"] = str(block.get("style", "bulleted"))
        items = block.get("items")
        row["items"] = "\n".join(markup_from_spans(item) for item in items) if isinstance(items, list) else ""
    elif kind == "call_to_action":
        row.update({key: str(block.get(key, "")) for key in ("text", "label", "href")})
    elif kind == "image":
        row.update({key: str(block.get(key, "")) for key in ("image", "alt", "caption")})
    return row


def block_from_row(row: dict[str, str]) -> dict[str, Any] | None:
    """One block from the editor's fields; None for a row with no type (an unused "add a block" row)."""
    kind = row.get("type", "").strip()
    if not kind:
        return None
    if kind == "heading":
        level = row.get("level", "").strip()
        return {"type": kind, "level": int(level) if level.isdigit() else level, "text": row.get("text", "").strip()}
    if kind == "paragraph":
        return {"type": kind, "children": spans_from_markup(row.get("text", ""))}
    if kind == "list":
        lines = row.get("items", "").replace("\r\n", "\n").split("\n")
        items = [spans for spans in (spans_from_markup(line) for line in lines) if spans]
        return {"type": kind, "style": row.get("style", "").strip() or "bulleted", "items": items}
    if kind == "quote":
        block: dict[str, Any] = {"type": kind, "children": spans_from_markup(row.get("text", ""))}
        attribution = row.get("attribution", "").strip()
        if attribution:
            block["attribution"] = attribution
        return block
    if kind == "call_to_action":
        return {"type": kind, **{key: row.get(key, "").strip() for key in ("text", "label", "href")}}
    if kind == "crisis_resources":
        return {"type": kind}
    if kind == "image":
        chosen = row.get("image", "").strip()
        image: dict[str, Any] = {"type": kind, "image": int(chosen) if chosen.isdigit() else chosen or None}
        if image["image"] is None:
            del image["image"]  # none chosen: the schema says the image is missing, beside the block
        image.update({key: row.get(key, "").strip() for key in ("alt", "caption") if row.get(key, "").strip()})
        return image
    return {"type": kind}  # an unknown type: the schema says so, beside the block


@dataclass(frozen=True)
class BlockError:
    """What is wrong with one block: its position (0-based, None for the body as a whole), field, words."""

    index: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        return f"Block {self.index + 1}: {self.message}"


_FIELD_WORDS = {
    "text": "the text",
    "children": "the text",
    "level": "the heading level",
    "items": "the list",
    "style": "the list style",
    "attribution": "the attribution",
    "label": "the button label",
    "href": "the link",
    "image": "the image",
    "alt": "the alt text",
    "caption": "the caption",
}
_EDITOR_FIELD = {"children": "text", "items": "items", "href": "href"}
_VALIDATOR = jsonschema.Draft202012Validator(BODY_SCHEMA)


def _branch_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    block = error.instance
    if error.validator != "oneOf" or not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return [error]
    branch = BLOCK_TYPES.index(block["type"])
    causes = [cause for cause in error.context or [] if list(cause.relative_schema_path)[:1] == [branch]]
    return causes or [error]


def _words(error: jsonschema.ValidationError, path: list[Any]) -> tuple[str, str]:
    """(editor field, message in words) for one schema error under a block."""
    field = next((str(part) for part in path if isinstance(part, str)), "")
    what = _FIELD_WORDS.get(field, "the block")
    editor_field = _EDITOR_FIELD.get(field, field)
    in_item = ""
    if field == "items" and len(path) > 1 and isinstance(path[1], int):
        in_item = f" (item {path[1] + 1})"
        what = "the list item"
    keyword = error.validator
    if keyword in {"minLength", "minItems"}:
        return editor_field, f"{what}{in_item} is empty: write it or remove the block."
    if keyword in {"maxLength", "maxItems"}:
        return editor_field, f"{what}{in_item} is too long (at most {error.validator_value})."
    if keyword == "pattern" and field == "href":
        return "href" if path[:1] == ["href"] else editor_field, (
            f"{what}{in_item} must be a path on the site (/programs/), an https:// address, mailto: or tel:."
        )
    if keyword in {"minimum", "maximum", "type"} and field == "level":
        return "level", "the heading level must be 2, 3 or 4."
    if field == "image" and keyword in {"type", "minimum", "maximum"}:
        return "image", "choose an image from the media library."
    if keyword == "enum" and field == "style":
        return "style", "the list style must be bulleted or numbered."
    if keyword == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "a field"
        if missing == "image":
            return "image", "no image is chosen: choose one from the media library."
        return _EDITOR_FIELD.get(missing, missing), f"{_FIELD_WORDS.get(missing, missing)} is missing."
    if keyword == "oneOf":
        kind = error.instance.get("type") if isinstance(error.instance, dict) else None
        return "type", f"unknown block type {kind!r}; choose one of {', '.join(BLOCK_LABELS.values())}."
    return editor_field, f"{what}{in_item}: {str(error.message)[:160]}"


def describe_missing_images(blocks: Any) -> list[BlockError]:
    """Image blocks whose image is not in the media library (deleted since, or never there), in words."""
    from content.models import missing_image_blocks

    return [
        BlockError(
            index,
            "image",
            f"Image: image {image} is not in the media library (it was deleted, or never existed): choose another "
            "image or remove the block.",
        )
        for index, image in missing_image_blocks(blocks)
    ]


def describe_body_errors(blocks: Any) -> list[BlockError]:
    """Every place the block schema refuses `blocks`, in words, by block and editor field."""
    found: list[BlockError] = []
    for error in sorted(_VALIDATOR.iter_errors(blocks), key=lambda error: list(map(str, error.absolute_path))):
        path = list(error.absolute_path)
        if not path:
            words = "at most 1000 blocks" if error.validator == "maxItems" else "a list of blocks"
            found.append(BlockError(None, "", f"The body must be {words}."))
            continue
        index = path[0]
        for cause in _branch_errors(error):
            field, message = _words(cause, list(cause.path) if cause is not error else path[1:])
            kind = blocks[index].get("type") if isinstance(blocks[index], dict) else None
            label = BLOCK_LABELS.get(kind, "block") if isinstance(kind, str) else "block"
            found.append(BlockError(index, field, f"{label}: {message}"))
    return found[:20]
