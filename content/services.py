"""The one way to change content: used by the admin, the seed command and tests alike."""

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from content import images
from content.blocks import plain_text, render_html
from content.directory import directory_uuid
from content.events import (
    PublicState,
    content_change_record,
    media_change_record,
    menu_change_record,
    public_state,
    redirect_change_record,
    site_change_record,
)
from content.i18n import content_languages, translated_fields
from content.models import (
    FAQ,
    Article,
    ContentEvent,
    InsurancePlan,
    MediaAsset,
    Menu,
    MenuItem,
    Program,
    ProgramAvailability,
    ProgramInsurance,
    PublicationStatus,
    Publishable,
    Redirect,
    SiteProfile,
    SlugHistory,
    Tag,
    Testimonial,
    Therapy,
    WithBody,
)

P = TypeVar("P", bound=Publishable)

# Adult silent reading of non-fiction averages about 238 words a minute; 200 allows for a hard subject.
WORDS_PER_MINUTE = 200


def _derive_body_fields(item: Publishable) -> list[str]:
    """Fill the fields derived from the body, in each language; returns their names for `update_fields`.

    A language without a body of its own gets empty derived columns, so readers of that language fall back
    to the English body (content.translation) rather than see an empty one.
    """
    if not isinstance(item, WithBody):
        return []
    derived = []
    for lang in content_languages():
        body = getattr(item, f"body_{lang}") or []
        setattr(item, f"body_json_{lang}", orjson.dumps(body).decode())
        setattr(item, f"body_html_{lang}", render_html(body, lang=lang) if body else "")
        setattr(item, f"body_text_{lang}", plain_text(body))
        derived += [f"body_json_{lang}", f"body_html_{lang}", f"body_text_{lang}"]
    # The untranslated columns: modeltranslation saves the default language's text in them.
    derived += ["body_json", "body_html", "body_text"]
    if isinstance(item, Article):
        words = len(item.body_text_en.split()) + len((item.summary_en or "").split())
        item.reading_time_minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
        derived.append("reading_time_minutes")
    return derived


@transaction.atomic
def content_save(*, item: P) -> P:
    """Validate (`full_clean`, including the body's schema), derive the rendered body, save, and record the
    event a visitor would see (published, updated, unpublished) for webhooks."""
    item.full_clean()
    _derive_body_fields(item)
    _directory_id_assign(item)
    before = public_state(item)
    item.save()
    _slug_history_record(item, before=before)
    content_change_record(item, before=before)
    return item


def _directory_id_assign(item: Any) -> None:
    """Give a program, therapy or plan its directory id on its first save (content.directory): from its slug
    then, and never again, so a rename keeps it."""
    kind = {Program: "program", Therapy: "therapy", InsurancePlan: "insurance_plan"}.get(type(item))
    if kind is not None and item.directory_id is None:
        item.directory_id = directory_uuid(kind, item.slug)


def _slug_history_record(item: Publishable, *, before: PublicState) -> None:
    """Keep the old slug of a live item an editor renamed, so links to it redirect to the item.

    A draft or scheduled item was never public under its old slug: nobody can hold a link to it. Going back
    to an old slug drops it from the history (a slug never redirects to itself); an old slug another item
    held before passes to this one, the later holder."""
    field = SlugHistory.ITEM_FIELDS.get(type(item))
    if field is None:
        return
    current = getattr(item, "slug")  # noqa: B009  # every model with slug history has a slug
    SlugHistory.objects.filter(**{field: item, "old_slug": current}).delete()
    if before.live and before.slug and before.slug != current:
        held_by_any: dict[str, Any] = {"old_slug": before.slug, f"{field}__isnull": False}
        SlugHistory.objects.update_or_create(defaults={field: item}, **held_by_any)


@transaction.atomic
def content_delete(*, item: Publishable) -> None:
    """Delete an item; if it was live, its pages are announced as unpublished."""
    before = public_state(item)
    item_id = item.pk
    item.delete()
    item.pk = item_id  # the event names the item that was
    content_change_record(item, before=before, deleted=True)


@transaction.atomic
def site_profile_save(*, profile: SiteProfile) -> SiteProfile:
    """Validate and save the site profile; every page shows it, so the event names the site as a whole."""
    profile.full_clean()
    profile.save()
    site_change_record(profile)
    return profile


def content_publish(*, item: P, publish_at: datetime | None = None) -> P:
    """Publish now, or at `publish_at`. An item keeps its first publication date when republished."""
    item.status = PublicationStatus.PUBLISHED
    item.publish_at = publish_at or item.publish_at or timezone.now()
    return content_save(item=item)


def content_unpublish(*, item: P) -> P:
    """Take an item off the API (back to draft); its publication date is kept."""
    item.status = PublicationStatus.DRAFT
    return content_save(item=item)


def content_archive(*, item: P) -> P:
    item.status = PublicationStatus.ARCHIVED
    return content_save(item=item)


class RedirectRefused(ValidationError):
    """A hand-made redirect that would make a chain or a loop, or shadow an automatic one."""


def redirect_check(*, redirect: Redirect) -> None:
    """Refuse (ValidationError, by field) a hand-made redirect whose new path is itself redirected (a chain, or
    a loop when it leads back), whose old path another redirect points to, or whose old path a slug change
    already redirects. A new path that an old slug names is refused with the current path to use instead."""
    from content.selectors import redirect_list

    others = Redirect.objects.exclude(pk=redirect.pk) if redirect.pk else Redirect.objects.all()
    automatic = {entry.old_path: entry.new_path for entry in redirect_list() if entry.source == "slug_change"}
    if not redirect.is_external:
        chained = others.filter(old_path=redirect.new_path).first()
        if chained is not None:
            leads_back = chained.new_path == redirect.old_path
            raise RedirectRefused(
                {
                    "new_path": f"{redirect.new_path} redirects to {chained.new_path} itself"
                    + (": the two would loop." if leads_back else f"; point to {chained.new_path} instead.")
                }
            )
        if redirect.new_path in automatic:
            raise RedirectRefused(
                {"new_path": f"{redirect.new_path} is an old slug's path; point to {automatic[redirect.new_path]}."}
            )
    if others.filter(new_path=redirect.old_path).exists():
        raise RedirectRefused(
            {"old_path": f"Another redirect leads to {redirect.old_path}: it would become a chain. Change that first."}
        )
    if redirect.old_path in automatic:
        raise RedirectRefused(
            {"old_path": f"{redirect.old_path} already redirects to {automatic[redirect.old_path]} (a slug change)."}
        )


@transaction.atomic
def redirect_save(*, redirect: Redirect, created_by: Any = None) -> Redirect:
    """Validate (`full_clean`, then `redirect_check`), save and announce a hand-made redirect."""
    redirect.full_clean()
    if connection.vendor == "postgresql":
        # One writer at a time: two editors adding A→B and B→A at once would each pass the check alone.
        # (SQLite lets one writer in at a time anyway.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('content.redirect'))")
    redirect_check(redirect=redirect)
    before = Redirect.objects.filter(pk=redirect.pk).first() if redirect.pk else None
    if redirect.pk is None and created_by is not None:
        redirect.created_by = created_by
    redirect.save()
    redirect_change_record(redirect, before=before)
    return redirect


@transaction.atomic
def redirect_delete(*, redirect: Redirect) -> None:
    redirect_id = redirect.pk
    redirect.delete()
    redirect.pk = redirect_id  # the event names the redirect that was
    redirect_change_record(redirect, before=None, deleted=True)


@transaction.atomic
def menu_save(*, menu: Menu) -> Menu:
    """Validate, save and announce a menu (its name or slug)."""
    menu.full_clean()
    created = menu.pk is None
    menu.save()
    menu_change_record(menu, kind=ContentEvent.Kind.PUBLISHED if created else ContentEvent.Kind.UPDATED)
    return menu


@transaction.atomic
def menu_items_save(*, menu: Menu, items: list[MenuItem], deleted: list[MenuItem] | None = None) -> None:
    """Save a menu's changed items and delete the removed ones, each validated (one link, one level), and
    announce the menu once."""
    for item in deleted or []:
        if item.pk is not None:
            item.delete()
    for item in items:
        item.menu = menu
        item.full_clean()
        item.save()
    menu_change_record(menu)


@transaction.atomic
def menu_delete(*, menu: Menu) -> None:
    menu_id = menu.pk
    menu.delete()
    menu.pk = menu_id  # the event names the menu that was
    menu_change_record(menu, kind=ContentEvent.Kind.UNPUBLISHED)


@transaction.atomic
def program_availability_update(
    *,
    program: Program,
    accepting: str,
    updated_by: Any,
    openings: int | None = None,
    next_intake_date: date | None = None,
    typical_wait_days: int | None = None,
) -> ProgramAvailability:
    """Record what intake says now about a program's room for new clients, stamped with who and when, and
    announce the program as updated (its figures are on its page and in the directories)."""
    availability, _ = ProgramAvailability.objects.get_or_create(program=program)
    availability.accepting = accepting
    availability.openings = openings
    availability.next_intake_date = next_intake_date
    availability.typical_wait_days = typical_wait_days
    availability.updated_at = timezone.now()
    availability.updated_by = updated_by if getattr(updated_by, "pk", None) is not None else None
    availability.full_clean()
    availability.save(
        update_fields=["accepting", "openings", "next_intake_date", "typical_wait_days", "updated_at", "updated_by"]
    )
    program_touch(program=program)
    return availability


def program_touch(*, program: Program) -> None:
    """Mark a program changed (its `updated_at`, which directories filter on) and announce it if live."""
    before = public_state(program)
    Program.objects.filter(pk=program.pk).update(updated_at=timezone.now())
    program.refresh_from_db(fields=["updated_at"])
    content_change_record(program, before=before)


@transaction.atomic
def insurance_plan_save(*, plan: InsurancePlan) -> InsurancePlan:
    """Validate and save a payer or plan; every live program shows the list, so each is announced."""
    plan.full_clean()
    _directory_id_assign(plan)
    plan.save()
    _insurance_announce()
    return plan


@transaction.atomic
def insurance_plan_delete(*, plan: InsurancePlan) -> None:
    plan.delete()
    _insurance_announce()


@transaction.atomic
def program_insurance_save(*, exception: ProgramInsurance) -> ProgramInsurance:
    exception.full_clean()
    exception.save()
    program_touch(program=exception.program)
    return exception


def _insurance_announce() -> None:
    for program in Program.objects.live():
        program_touch(program=program)


@dataclass(frozen=True)
class ContentProblem:
    """A stored field that today's validation refuses (rows saved before it, or written around the services)."""

    model: str
    pk: Any
    label: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.model} {self.pk} ({self.label}): {self.field}: {self.message}"


# Batch size for reading rows: content tables are small, but a body can be large.
_CHECK_BATCH = 200


def content_problems() -> list[ContentProblem]:
    """Every field of every content row that `full_clean` refuses (uniqueness and constraints aside: the
    database holds those). Reads only."""
    found: list[ContentProblem] = []
    for model in (
        SiteProfile,
        Program,
        Therapy,
        Article,
        FAQ,
        Testimonial,
        Tag,
        Menu,
        MenuItem,
        InsurancePlan,
        Redirect,
    ):
        for item in model.objects.order_by("pk").iterator(chunk_size=_CHECK_BATCH):
            try:
                item.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                # A translated field's original column reads as its English one: reported once, as `_en`.
                originals = translated_fields(model)
                for field, messages in errors.items():
                    if field in originals:
                        continue
                    found.extend(
                        ContentProblem(model.__name__, item.pk, str(item)[:60], field, message) for message in messages
                    )
    return found


# Editors' images.


def _store(data: bytes, name: str) -> str:
    """Save bytes under their content-hashed name; the same bytes already there are the same file."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a storage that renamed it would break the name-is-the-content rule
            raise RuntimeError(f"storage saved {name} as {saved}")
    return name


@transaction.atomic
def media_asset_create(
    *,
    checked: images.CheckedImage,
    alt_en: str,
    alt_es: str = "",
    caption_en: str = "",
    caption_es: str = "",
    credit: str = "",
    licence: str = "",
    focal: tuple[float, float] = (0.5, 0.5),
) -> MediaAsset:
    """Store a checked, stripped image and its row; its renditions are made by a task after the commit."""
    translated = {"alt_en": alt_en, "alt_es": alt_es, "caption_en": caption_en, "caption_es": caption_es}
    asset = MediaAsset(
        **{name: text.strip() for name, text in translated.items()},
        credit=credit.strip(),
        licence=licence.strip(),
        focal_x=focal[0],
        focal_y=focal[1],
        width=checked.width,
        height=checked.height,
        sha256=hashlib.sha256(checked.data).hexdigest(),
        blurhash=images.blurhash_of(checked.image),
        file=images.content_name(checked.data, checked.extension, folder="originals"),
    )
    asset.full_clean()  # the alt text and the focal point first: nothing is stored for a refused asset
    _store(checked.data, asset.file)
    asset.save()
    _media_renditions_enqueue(asset.pk)
    return asset


def media_asset_import(*, data: bytes, filename: str, alt_en: str, **fields: Any) -> MediaAsset:
    """Check an upload (ImageRefused says why it is refused) and create its asset: the admin's and
    `import_media`'s one way in."""
    if not alt_en.strip():
        raise ValidationError({"alt_en": "Describe the image in English: alt text is required."})
    return media_asset_create(checked=images.check_and_strip(data=data, filename=filename), alt_en=alt_en, **fields)


@transaction.atomic
def media_asset_save(*, asset: MediaAsset) -> MediaAsset:
    """Save an edited asset (texts, focal point); a moved focal point makes the crops again."""
    asset.full_clean()
    asset.save()
    media_change_record(asset)
    if asset.renditions_focal != [asset.focal_x, asset.focal_y]:
        _media_renditions_enqueue(asset.pk)
    return asset


def _media_renditions_enqueue(asset_id: int) -> None:
    from content.tasks import media_renditions_make_task

    transaction.on_commit(lambda: media_renditions_make_task.delay(asset_id))


def media_renditions_make(*, asset_id: int) -> MediaAsset | None:
    """Make every rendition of an asset (content.images.make_renditions) and record them. Safe to run twice:
    names are content hashes, so a file made before is found, not made again under another name."""
    from django.core.files.storage import default_storage

    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return None
    with default_storage.open(asset.file, "rb") as original:
        image = images.open_stored(original.read())
    focal = (asset.focal_x, asset.focal_y)
    made = []
    for rendition in images.make_renditions(image, focal=focal):
        extension = "jpg" if rendition.format == "jpeg" else rendition.format
        name = _store(rendition.data, images.content_name(rendition.data, extension, folder="renditions"))
        made.append(
            {
                "name": name,
                "width": rendition.width,
                "height": rendition.height,
                "format": rendition.format,
                "crop": rendition.crop,
            }
        )
    with transaction.atomic():
        asset.renditions, asset.renditions_focal = made, list(focal)
        asset.save(update_fields=["renditions", "renditions_focal", "updated_at"])
        media_change_record(asset)
    return asset
