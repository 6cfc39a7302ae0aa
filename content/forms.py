"""Form fields for the structured fields, so editors never see JSON: rows of inputs, lines, checkboxes, blocks.

Each renders as plain HTML form controls that work without JavaScript; `content/admin/block_editor.js`
enhances the body (add, move and remove buttons; Bold, Italic and Link on the text). Whatever a field
produces is then checked by the model field's own validators (content.structured, the block schema), so the
form and every other way in share one rule.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field as ModelField
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from content import editing, structured

MAX_POSTED_ROWS = 200  # rows read from one post: more than any real body or list, few enough to parse quickly


def _posted_count(data: Mapping[str, Any], name: str, limit: int) -> int:
    raw = data.get(f"{name}-count", "")
    return min(int(raw), limit) if isinstance(raw, str) and raw.isdigit() else 0


# Rows of inputs: hours, crisis resources, calls to action.


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, textarea, time, days
    hint: str = ""


class RowsWidget(forms.Widget):
    """Repeatable rows of labelled inputs, with one empty row to add another and a Remove box on each."""

    def __init__(self, columns: Sequence[Column], noun: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.columns = tuple(columns)
        self.noun = noun

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-count" not in data

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if f"{name}-count" not in data:
            return None
        rows = []
        for index in range(_posted_count(data, name, MAX_POSTED_ROWS)):
            prefix = f"{name}-{index}-"
            if data.get(f"{prefix}remove"):
                continue
            row: dict[str, Any] = {}
            for column in self.columns:
                if column.kind == "days":
                    chosen = data.getlist(prefix + column.key) if isinstance(data, MultiValueDict) else []
                    row[column.key] = [day for day in structured.DAYS if day in chosen]
                else:
                    row[column.key] = str(data.get(prefix + column.key, "")).strip()
            if any(row.values()):
                rows.append(row)
        return rows

    def _input(self, column: Column, name: str, value: Any, row_id: str) -> SafeString:
        field_id = f"{row_id}-{column.key}"
        if column.kind == "days":
            chosen = value if isinstance(value, list) else []
            boxes = format_html_join(
                "",
                '<label class="rows-day"><input type="checkbox" name="{}" value="{}"{}> {}</label>',
                (
                    (name, day, mark_safe(" checked") if day in chosen else "", structured.DAY_NAMES[day])
                    for day in structured.DAYS
                ),
            )
            return format_html('<fieldset class="rows-days"><legend>{}</legend>{}</fieldset>', column.label, boxes)
        text = value if isinstance(value, str) else ("" if value is None else str(value))
        hint = format_html(' <span class="help">{}</span>', column.hint) if column.hint else ""
        if column.kind == "textarea":
            control = format_html('<textarea name="{}" id="{}" rows="2" cols="50">{}</textarea>', name, field_id, text)
        else:
            kind = "time" if column.kind == "time" else "text"
            control = format_html('<input type="{}" name="{}" id="{}" value="{}">', kind, name, field_id, text)
        return format_html(
            '<div class="rows-field"><label for="{}">{}</label>{}{}</div>', field_id, column.label, hint, control
        )

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows = [row if isinstance(row, dict) else {} for row in value] if isinstance(value, list) else []
        unreadable = value not in (None, "") and not isinstance(value, list)
        parts = []
        for index, row in enumerate([*rows, {}]):
            prefix, row_id = f"{name}-{index}-", f"id_{name}-{index}"
            is_new = index == len(rows)
            legend = f"Add a row of {self.noun}" if is_new else f"{self.noun.capitalize()}, row {index + 1}"
            inputs = format_html_join(
                "",
                "{}",
                ((self._input(column, prefix + column.key, row.get(column.key), row_id),) for column in self.columns),
            )
            remove = (
                ""
                if is_new
                else format_html(
                    '<label class="rows-remove"><input type="checkbox" name="{}remove"> Remove</label>', prefix
                )
            )
            parts.append(
                format_html('<fieldset class="rows-row"><legend>{}</legend>{}{}</fieldset>', legend, inputs, remove)
            )
        warning = (
            format_html('<p class="errornote">{}</p>', "The saved value has the wrong shape; enter it again below.")
            if unreadable
            else ""
        )
        return format_html(
            '<div class="rows-widget" id="id_{}">{}<input type="hidden" name="{}-count" value="{}">{}</div>',
            name,
            warning,
            name,
            len(rows) + 1,
            mark_safe("".join(parts)),  # noqa: S308  # each part built by format_html
        )


class RowsField(forms.Field):
    widget = RowsWidget

    def __init__(self, *, columns: Sequence[Column], noun: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", RowsWidget(columns, noun))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        return [] if value is None else value


HOURS_COLUMNS = (
    Column("days", "Days", "days"),
    Column("opens", "Opens", "time", "24-hour local time, e.g. 08:00"),
    Column("closes", "Closes", "time", "e.g. 17:00"),
)
CRISIS_COLUMNS = (
    Column("name", "Name"),
    Column("description", "Description", "textarea"),
    Column("phone", "Phone", hint="Digits only, e.g. 988"),
    Column("sms", "Text message number", hint="Empty if none"),
    Column("url", "Web address", hint="https://…, empty if none"),
)
CALL_TO_ACTION_COLUMNS = (
    Column("text", "Text", "textarea"),
    Column("label", "Button label"),
    Column("href", "Link", hint="/contact/, https://…, tel:+1… or mailto:…"),
)


# Lists of words: one entry per line.


class LinesField(forms.Field):
    widget = forms.Textarea(attrs={"rows": 4, "cols": 50})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(entry) for entry in value)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            return value
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class ChoiceListField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, list) else []


# The body: blocks.


def _select(name: str, field_id: str, options: Sequence[tuple[str, str]], chosen: str) -> SafeString:
    return format_html(
        '<select name="{}" id="{}">{}</select>',
        name,
        field_id,
        format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, mark_safe(" selected") if value == chosen else "", label) for value, label in options),
        ),
    )


def asset_thumbnail_url(asset: Any, width: int = 320) -> str:
    """The asset's JPEG rendition closest to `width` (its original until the renditions are made), through this
    site's own /media/ view whatever the storage: the admin's CSP allows images from this site only."""
    from django.urls import reverse

    whole = [r for r in asset.renditions if not r["crop"] and r["format"] == "jpeg"]
    best = min(whole, key=lambda r: abs(r["width"] - width), default=None)
    return reverse("media-file", kwargs={"name": best["name"] if best else asset.file})


# Images offered by an image block's picker: the newest first, this many at most.
MAX_PICKED_IMAGES = 500


@dataclass(frozen=True)
class LibraryImage:
    pk: int
    label: str
    thumbnail: str


def library_images() -> list[LibraryImage]:
    from content.models import MediaAsset

    return [
        LibraryImage(asset.pk, f"{asset} ({asset.width} by {asset.height} pixels)", asset_thumbnail_url(asset))
        for asset in MediaAsset.objects.order_by("-created_at", "-id")[:MAX_PICKED_IMAGES]
    ]


def _image_picker(name: str, field_id: str, value: str, images: Sequence[LibraryImage], described: str) -> SafeString:
    """A select of the library's images (each with its thumbnail's URL for the script to show), and the chosen
    one's thumbnail: usable with the keyboard as any select, and without the script."""
    chosen = next((image for image in images if str(image.pk) == value), None)
    options = format_html_join(
        "",
        '<option value="{}" data-thumbnail="{}"{}>{}</option>',
        (
            (image.pk, image.thumbnail, mark_safe(" selected") if image is chosen else "", image.label)
            for image in images
        ),
    )
    unknown = (
        format_html('<option value="{}" selected>Image {} (not in the library)</option>', value, value)
        if value and chosen is None
        else ""
    )
    thumbnail = format_html(
        '<img{} alt="" width="160" class="block-image-thumbnail" data-image-thumbnail{}>',
        format_html(' src="{}"', chosen.thumbnail) if chosen else "",
        "" if chosen else mark_safe(" hidden"),
    )
    return format_html(
        '<select name="{}" id="{}" data-image-picker{}><option value="">— choose an image —</option>{}{}</select>{}',
        name,
        field_id,
        described,
        unknown,
        options,
        thumbnail,
    )


class ImageSelect(forms.Select):
    """A select of media library images (a hero image): each option carries its thumbnail's URL, and the chosen
    image's thumbnail shows under it (kept in step by block_editor.js)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        asset = getattr(value, "instance", None)
        if asset is not None:
            option["attrs"]["data-thumbnail"] = asset_thumbnail_url(asset)
        return option

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        from content.models import MediaAsset

        attrs = {**(attrs or {}), "data-image-picker": ""}
        chosen = MediaAsset.objects.filter(pk=value).first() if str(value or "").isdigit() else None
        thumbnail = format_html(
            '<img{} alt="" width="160" class="hero-image-thumbnail" data-image-thumbnail{}>',
            format_html(' src="{}"', asset_thumbnail_url(chosen)) if chosen else "",
            "" if chosen else mark_safe(" hidden"),
        )
        return format_html("{}{}", super().render(name, value, attrs, renderer), thumbnail)


class BlocksWidget(forms.Widget):
    """The body as a list of blocks, each a fieldset of its own fields, with its errors inside it.

    Posted as `<name>-count` and, per block, `<name>-<i>-type`, its fields, `-order` (its position) and
    `-remove`; a `<template>` per block type lets the script add blocks. Without the script, one "Add a block"
    row at the end takes any type, and positions are typed as numbers.
    """

    template_index = "__i__"

    def __init__(self, attrs: dict[str, Any] | None = None, copy_from: str = "", copy_label: str = "") -> None:
        super().__init__(attrs)
        self.errors: list[editing.BlockError] = []
        self.copy_from = copy_from
        self.copy_label = copy_label
        self._images: list[LibraryImage] = []  # the image picker's choices, read once per render

    class Media:
        css = {"all": ["content/admin/block_editor.css"]}
        js = ["content/admin/block_editor.js"]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-count" not in data and not data.get(f"{name}-copy")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.copy_from and data.get(f"{name}-copy"):
            return self._blocks(data, self.copy_from)
        if f"{name}-count" not in data:
            return None
        return self._blocks(data, name)

    @staticmethod
    def _blocks(data: Any, name: str) -> list[dict[str, Any]]:
        positioned = []
        for index in range(_posted_count(data, name, MAX_POSTED_ROWS)):
            prefix = f"{name}-{index}-"
            if data.get(f"{prefix}remove"):
                continue
            block = editing.block_from_row({key: str(data.get(prefix + key, "")) for key in editing.ROW_FIELDS})
            if block is None:
                continue
            order = str(data.get(f"{prefix}order", ""))
            positioned.append((int(order) if order.isdigit() else index + 1, index, block))
        return [block for _, _, block in sorted(positioned, key=lambda entry: entry[:2])]

    def _field(self, kind: str, key: str, label: str, name: str, field_id: str, value: str, errors: str) -> SafeString:
        control_id = f"{field_id}-{key}"
        control_name = f"{name}-{key}"
        described = format_html(' aria-describedby="{}-errors"', field_id) if errors else ""
        if key == "level":
            control = _select(
                control_name,
                control_id,
                [(str(level), f"Level {level}") for level in editing.HEADING_LEVELS],
                value or "2",
            )
        elif key == "style":
            control = _select(control_name, control_id, editing.LIST_STYLES, value or "bulleted")
        elif key == "image":
            control = _image_picker(control_name, control_id, value, self._images, described)
        elif key in {"text", "items"} and kind in {"paragraph", "quote", "list"}:
            rich = "list" if key == "items" else "inline"
            control = format_html(
                '<textarea name="{}" id="{}" rows="{}" cols="60" data-rich="{}"{}>{}</textarea>',
                control_name,
                control_id,
                5 if key == "items" else 3,
                rich,
                described,
                value,
            )
        elif key == "text" and kind == "call_to_action":
            control = format_html(
                '<textarea name="{}" id="{}" rows="2" cols="60"{}>{}</textarea>',
                control_name,
                control_id,
                described,
                value,
            )
        else:
            control = format_html(
                '<input type="text" name="{}" id="{}" value="{}" size="60"{}>',
                control_name,
                control_id,
                value,
                described,
            )
        return format_html(
            '<div class="block-field block-field-{}"><label for="{}">{}</label>{}</div>',
            key,
            control_id,
            label,
            control,
        )

    def _block(self, name: str, index: str, position: int, row: dict[str, str], errors: list[str]) -> SafeString:
        kind = row["type"]
        prefix, field_id = f"{name}-{index}", f"id_{name}-{index}"
        error_list = (
            format_html(
                '<ul class="errorlist block-errors" id="{}-errors">{}</ul>',
                field_id,
                format_html_join("", "<li>{}</li>", ((message,) for message in errors)),
            )
            if errors
            else ""
        )
        fields = format_html_join(
            "",
            "{}",
            (
                (self._field(kind, key, label, prefix, field_id, row.get(key, ""), error_list),)
                for key, label in editing.BLOCK_FIELDS.get(kind, (("text", "Text"),))
            ),
        )
        note = (
            format_html('<p class="help">{}</p>', "The 988 and 911 crisis lines, in the reader's language.")
            if kind == "crisis_resources"
            else ""
        )
        return format_html(
            '<li class="block block-{kind}{invalid}" data-block data-type="{kind}">'
            '<fieldset><legend><span class="block-number">Block {position}</span>: {label}</legend>'
            '<input type="hidden" name="{prefix}-type" value="{kind}">{errors}{fields}{note}'
            '<div class="block-controls">'
            '<label class="block-order">Position '
            '<input type="number" name="{prefix}-order" value="{position}" min="1"></label>'
            '<label class="block-remove"><input type="checkbox" name="{prefix}-remove"> Remove this block</label>'
            "</div></fieldset></li>",
            kind=kind,
            invalid=" block-invalid" if errors else "",
            position=position,
            label=editing.BLOCK_LABELS.get(kind, kind or "Block"),
            prefix=prefix,
            errors=error_list,
            fields=fields,
            note=note,
        )

    def _add_row(self, name: str, index: int) -> SafeString:
        prefix, field_id = f"{name}-{index}", f"id_{name}-{index}"
        types = [("", "— no new block —"), *((kind, label) for kind, label in editing.BLOCK_LABELS.items())]
        fields = format_html_join(
            "",
            "{}",
            (
                (self._field(kind, key, label, prefix, field_id, "", ""),)
                for kind, key, label in (
                    ("heading", "level", "Heading level (heading)"),
                    ("paragraph", "text", "Text (heading, paragraph, quote, call to action)"),
                    ("list", "style", "List style (list)"),
                    ("list", "items", "List items, one per line (list)"),
                    ("quote", "attribution", "Attribution (quote)"),
                    ("call_to_action", "label", "Button label (call to action)"),
                    ("call_to_action", "href", "Link (call to action)"),
                    ("image", "image", "Image from the media library (image)"),
                    ("image", "alt", "Alt text, if not the library's (image)"),
                    ("image", "caption", "Caption, if not the library's (image)"),
                )
            ),
        )
        return format_html(
            '<fieldset class="block-add-row" data-block-add-row><legend>Add a block</legend>'
            '<div class="block-field"><label for="{id}-type">Type</label>{select}</div>{fields}'
            '<input type="hidden" name="{prefix}-order" value="{position}"></fieldset>',
            id=field_id,
            select=_select(f"{prefix}-type", f"{field_id}-type", types, ""),
            fields=fields,
            prefix=prefix,
            position=index + 1,
        )

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        blocks = value if isinstance(value, list) else []
        self._images = library_images()
        by_block: dict[int | None, list[str]] = {}
        for error in self.errors:
            by_block.setdefault(error.index, []).append(error.message)
        items = mark_safe(  # noqa: S308  # each part built by format_html
            "".join(
                self._block(name, str(index), index + 1, editing.row_from_block(block), by_block.get(index, []))
                for index, block in enumerate(blocks)
            )
        )
        templates = mark_safe(  # noqa: S308  # each part built by format_html
            "".join(
                format_html(
                    '<template data-block-template="{}">{}</template>',
                    kind,
                    self._block(
                        name, self.template_index, 0, {**dict.fromkeys(editing.ROW_FIELDS, ""), "type": kind}, []
                    ),
                )
                for kind in editing.BLOCK_LABELS
            )
        )
        copy = (
            format_html(
                '<p class="block-copy" data-block-copy="{}">'
                '<label><input type="checkbox" name="{}-copy"> {}</label></p>',
                self.copy_from,
                name,
                self.copy_label,
            )
            if self.copy_from
            else ""
        )
        whole = format_html_join("", '<p class="errornote">{}</p>', ((message,) for message in by_block.get(None, [])))
        return format_html(
            '<div class="block-editor" id="id_{name}" data-block-editor data-name="{name}">{whole}{copy}'
            '<input type="hidden" name="{name}-count" value="{count}" data-block-count>'
            '<ol class="block-list" data-block-list>{items}</ol>{add}{templates}</div>',
            name=name,
            whole=whole,
            copy=copy,
            count=len(blocks) + 1,
            items=items,
            add=self._add_row(name, len(blocks)),
            templates=templates,
        )


class BlocksField(forms.Field):
    """The body in blocks; refused with the block schema's errors, each in words beside its block."""

    widget = BlocksWidget

    def __init__(self, *, copy_from: str = "", copy_label: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", BlocksWidget(copy_from=copy_from, copy_label=copy_label))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        return [] if value is None else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        errors = editing.describe_body_errors(value) + _inline_link_errors(value)
        if not errors:
            errors = editing.describe_missing_images(value)
        self.widget.errors = errors  # shown beside each block when re-rendered
        if errors:
            raise ValidationError([str(error) for error in errors])


def _inline_link_errors(blocks: Any) -> list[editing.BlockError]:
    """Links in running text go to a path on the site or to an https:// address (the editor's rule; the
    stored format allows mailto: and tel: for calls to action)."""
    found: list[editing.BlockError] = []
    if not isinstance(blocks, list):
        return found
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        groups = [block.get("children")] if "children" in block else list(block.get("items") or [])
        for spans in groups:
            for span in spans if isinstance(spans, list) else []:
                href = span.get("href") if isinstance(span, dict) else None
                if isinstance(href, str) and not (
                    href.startswith("https://") or (href.startswith("/") and not href.startswith("//"))
                ):
                    label = editing.BLOCK_LABELS.get(block.get("type"), "Block")  # type: ignore[arg-type]
                    found.append(
                        editing.BlockError(
                            index,
                            "text",
                            f"{label}: the link {href[:80]!r} must be a path on the site (/programs/) "
                            "or an https:// address.",
                        )
                    )
    return found


def structured_formfield(model: type, field: ModelField, **kwargs: Any) -> forms.Field | None:
    """The editor's form field for a structured model field (translated or not), or None for any other field."""
    translated = getattr(field, "translated_field", None)
    base = translated.name if translated is not None else field.name
    language = getattr(field, "language", None)
    options = {"label": kwargs.get("label", field.verbose_name.capitalize()), "help_text": field.help_text}
    name = model.__name__
    if base == "body":
        if language == "es":
            return BlocksField(
                copy_from=field.name[: -len("es")] + "en",
                copy_label="Replace the Spanish body with a copy of the English one (then translate it)",
                **options,
            )
        return BlocksField(**options)
    if name == "SiteProfile" and base == "hours":
        return RowsField(columns=HOURS_COLUMNS, noun="opening hours", **options)
    if name == "SiteProfile" and base == "crisis_resources":
        return RowsField(columns=CRISIS_COLUMNS, noun="crisis resources", **options)
    if name == "SiteProfile" and base == "calls_to_action":
        return RowsField(columns=CALL_TO_ACTION_COLUMNS, noun="calls to action", **options)
    if name == "Program" and base in {
        "conditions_addressed",
        "service_area_counties",
        "required_documents",
        "languages",
    }:
        return LinesField(**options)
    if name == "Program" and base == "delivery_methods":
        return ChoiceListField(choices=[("in_person", "In person"), ("telehealth", "Telehealth")], **options)
    if name == "Therapy" and base == "formats":
        return ChoiceListField(
            choices=[("individual", "Individual"), ("group", "Group"), ("family", "Family")], **options
        )
    return None
