"""The editors' tool: filters, search, a preview of the rendered body, preview links, and publish actions.

Translated fields (content/translation.py) show side by side, `[en]` and `[es]` on one row
(`SideBySideTranslationAdmin`): the Spanish is written next to the English it translates.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from content import images, models, preview, services
from content.blocks import render_html
from content.forms import ImageSelect, asset_thumbnail_url, structured_formfield
from content.i18n import content_languages
from content.image_objects import expand_images
from content.models import PublicationStatus, Publishable


class SideBySideTranslationAdmin(TranslationAdmin):
    """modeltranslation's admin, with each translated field's languages on one row instead of one under
    the other (modeltranslation flattens grouped fields, so the rows are regrouped after it)."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        first, *others = content_languages()
        translated = set(self.trans_opts.all_fields)
        regrouped = []
        for name, options in super().get_fieldsets(request, obj):
            fields = list(options.get("fields", ()))
            rows: list[Any] = []
            for field in fields:
                base, _, lang = field.rpartition("_") if isinstance(field, str) else ("", "", "")
                if base in translated and lang == first:
                    rows.append((field, *(f"{base}_{other}" for other in others if f"{base}_{other}" in fields)))
                elif not (base in translated and lang in others and f"{base}_{first}" in fields):
                    rows.append(field)
            regrouped.append((name, {**options, "fields": rows}))
        return regrouped

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Structured fields (body, hours, crisis resources, lists) get real form controls, never JSON.
        field = structured_formfield(self.model, db_field)
        return field if field is not None else super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "hero_image":  # the chosen image's thumbnail under the select
            kwargs.setdefault("widget", ImageSelect())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


_SEO: Any = ("Search engines", {"classes": ["collapse"], "fields": ["seo_title", "seo_description", "canonical_path"]})
_INTERNAL: Any = ("Internal", {"fields": ["editor_notes", "created_at", "updated_at"]})


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with an accessible name (Django's carry only nearby text)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = "Date (YYYY-MM-DD)"
        self.widgets[1].attrs["aria-label"] = "Time (HH:MM:SS, local time)"


class PublishableAdmin(SideBySideTranslationAdmin):
    formfield_overrides = {DateTimeField: {"widget": LabelledSplitDateTime}}
    list_filter = ["status"]
    actions = ["publish", "unpublish", "archive"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "publish_at"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.content_save(item=obj)

    @admin.display(description="Status", ordering="status")
    def publication(self, obj: Any) -> str:
        """ "Scheduled for <time>" for a published item whose time has not come; else its status."""
        if obj.status == PublicationStatus.PUBLISHED and obj.publish_at and obj.publish_at > timezone.now():
            return f"Scheduled for {timezone.localtime(obj.publish_at).strftime('%Y-%m-%d %H:%M %Z')}"
        return str(obj.get_status_display())

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.content_delete(item=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for item in queryset:
            services.content_delete(item=item)

    def _apply(self, request: HttpRequest, queryset: QuerySet, service: Any, verb: str) -> None:
        done = 0
        for item in queryset:
            try:
                service(item=item)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{item}: not {verb}: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, f"{done} item(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Publish selected items (now, or at their scheduled time)", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Publishable]) -> None:
        self._apply(request, queryset, services.content_publish, "published")

    @admin.action(description="Unpublish selected items (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Publishable]) -> None:
        self._apply(request, queryset, services.content_unpublish, "unpublished")

    @admin.action(description="Archive selected items", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Publishable]) -> None:
        self._apply(request, queryset, services.content_archive, "archived")


class WithBodyAdmin(PublishableAdmin):
    readonly_fields = ["preview_links", "body_preview", "created_at", "updated_at"]

    class Media:
        # The preview's reading style, as a file: the admin's Content-Security-Policy allows no inline style.
        css = {"all": ["content/admin/body_preview.css"]}

    @admin.display(description="Preview links")
    def preview_links(self, obj: Any) -> SafeString:
        if obj is None or obj.pk is None:
            return format_html("<em>{}</em>", "Save the item to get its preview links.")
        pattern = models.SiteProfile.objects.filter(id=1).values_list("preview_url_pattern", flat=True).first()
        links = preview.preview_links(item=obj, pattern=pattern or "")
        website = (
            format_html('<a href="{}" target="_blank" rel="noopener">Preview on the website</a> · ', links.website_url)
            if links.website_url
            else format_html(
                "<em>{}</em> · ", "Set a preview URL pattern in the site profile to preview on the website."
            )
        )
        spanish = ""
        if pattern and "{lang}" in pattern:
            spanish_links = preview.preview_links(item=obj, pattern=pattern, lang="es")
            spanish = format_html(
                '<a href="{}" target="_blank" rel="noopener">Vista previa en español</a> · ', spanish_links.website_url
            )
        return format_html(
            '{}{}<a href="{}" target="_blank" rel="noopener">Preview the API response</a><br>'
            "<small>The saved state, whatever its status. These links work until {} for anyone who has them.</small>",
            website,
            spanish,
            links.api_path,
            timezone.localtime(links.expires_at).strftime("%Y-%m-%d %H:%M %Z"),
        )

    @admin.display(description="Preview of the rendered body")
    def body_preview(self, obj: Any) -> SafeString:
        if not obj.body_html_en and not _body_has_images(obj, "en"):
            return format_html("<em>{}</em>", "Saved bodies are previewed here.")
        # body_html_* were rendered from validated blocks and sanitised by nh3 (content.blocks).
        english = format_html('<div class="body-preview">{}</div>', _body_html(obj, "en"))
        if not obj.body_html_es and not _body_has_images(obj, "es"):
            return format_html("{}<p><em>{}</em></p>", english, "No Spanish body: Spanish readers see the English.")
        spanish = format_html('<div class="body-preview">{}</div>', _body_html(obj, "es"))
        return format_html(
            '<div class="body-preview-languages"><div><h4>English</h4>{}</div>'
            '<div lang="es"><h4>Español</h4>{}</div></div>',
            english,
            spanish,
        )


def _body_has_images(obj: Any, lang: str) -> bool:
    return '"type":"image"' in (getattr(obj, f"body_json_{lang}") or "")


def _body_html(obj: Any, lang: str) -> SafeString:
    """The saved body's HTML as the API serves it: with image blocks, rendered from their image objects."""
    if not _body_has_images(obj, lang):
        return mark_safe(getattr(obj, f"body_html_{lang}") or "")  # noqa: S308  # rendered and sanitised on save
    blocks = expand_images(getattr(obj, f"body_{lang}") or [], lang=lang, known={})
    return mark_safe(render_html(blocks, lang=lang))  # noqa: S308  # sanitised by nh3 in render_html


class ProgramInsuranceInline(admin.TabularInline):
    model = models.ProgramInsurance
    extra = 0
    verbose_name_plural = "Network status where it differs from the plan's own"


@admin.register(models.Program)
class ProgramAdmin(WithBodyAdmin):
    list_display = [
        "name",
        "short_name",
        "level_of_care",
        "publication",
        "availability_shown",
        "publish_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "short_name",
                    "slug",
                    "level_of_care",
                    "summary",
                    "hero_image",
                    "body",
                    "body_preview",
                ]
            },
        ),
        (
            "Details",
            {
                "fields": [
                    "days_per_week",
                    "hours_per_day",
                    "typical_length",
                    "who_it_is_for",
                    "conditions_addressed",
                    "what_to_expect",
                    "therapies",
                    "order",
                ]
            },
        ),
        (
            "Eligibility and reach",
            {
                "fields": [
                    "minimum_age",
                    "maximum_age",
                    "languages",
                    "service_area_counties",
                    "delivery_methods",
                    "required_documents",
                    "fees_description",
                ]
            },
        ),
        ("Publishing", {"fields": ["status", "publish_at", "preview_links"]}),
        _SEO,
        _INTERNAL,
    ]
    list_filter = ["status", "level_of_care"]
    search_fields = ["name_en", "name_es", "short_name_en", "summary_en", "summary_es"]
    prepopulated_fields = {"slug": ["short_name"]}
    formfield_overrides = {
        **PublishableAdmin.formfield_overrides,
        ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }
    inlines = [ProgramInsuranceInline]
    # The intake lead's two clicks: tick the program, choose one of these (the figures keep their other values).
    actions = [*PublishableAdmin.actions, "mark_accepting", "mark_waitlist", "mark_paused"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("availability")

    @admin.display(description="Availability")
    def availability_shown(self, obj: models.Program) -> str:
        availability = getattr(obj, "availability", None)
        if availability is None or availability.updated_at is None:
            return "Unknown"
        stale = "" if availability.is_fresh() else " (stale: shown as unknown)"
        when = timezone.localtime(availability.updated_at).strftime("%Y-%m-%d")
        return f"{availability.get_accepting_display()}, {when}{stale}"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not models.ProgramInsurance:
            super().save_formset(request, form, formset, change)
            return
        exceptions = formset.save(commit=False)
        for exception in formset.deleted_objects:
            exception.delete()
        for exception in exceptions:
            services.program_insurance_save(exception=exception)
        if formset.deleted_objects:
            services.program_touch(program=form.instance)

    def _mark(self, request: HttpRequest, queryset: QuerySet, accepting: str) -> None:
        for program in queryset.select_related("availability"):
            current = getattr(program, "availability", None)
            try:
                services.program_availability_update(
                    program=program,
                    accepting=accepting,
                    updated_by=request.user,
                    openings=current.openings if current and accepting == "yes" else None,
                    next_intake_date=current.next_intake_date if current else None,
                    typical_wait_days=current.typical_wait_days if current else None,
                )
            except ValidationError as exc:
                self.message_user(request, f"{program}: not updated: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, "Availability updated.", messages.SUCCESS)

    @admin.action(description="Availability: accepting new clients", permissions=["change"])
    def mark_accepting(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, models.ProgramAvailability.Accepting.YES)

    @admin.action(description="Availability: waitlist", permissions=["change"])
    def mark_waitlist(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, models.ProgramAvailability.Accepting.WAITLIST)

    @admin.action(description="Availability: paused", permissions=["change"])
    def mark_paused(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, models.ProgramAvailability.Accepting.PAUSED)


@admin.register(models.ProgramAvailability)
class ProgramAvailabilityAdmin(admin.ModelAdmin):
    """The full figures (openings, next intake, wait), each save stamped with who and when."""

    list_display = ["program", "accepting", "openings", "next_intake_date", "typical_wait_days", "updated_at"]
    readonly_fields = ["updated_at", "updated_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A row belongs to its program for good: moving it would leave the other program's figures behind.
        return [*self.readonly_fields, "program"] if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.program_availability_update(
            program=obj.program,
            accepting=obj.accepting,
            updated_by=request.user,
            openings=obj.openings,
            next_intake_date=obj.next_intake_date,
            typical_wait_days=obj.typical_wait_days,
        )


@admin.register(models.InsurancePlan)
class InsurancePlanAdmin(SideBySideTranslationAdmin):
    list_display = ["payer", "plan", "kind", "network_status", "order"]
    list_filter = ["kind", "network_status"]
    list_editable = ["order"]
    search_fields = ["payer", "plan"]
    prepopulated_fields = {"slug": ["payer", "plan"]}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.insurance_plan_save(plan=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.insurance_plan_delete(plan=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for plan in queryset:
            services.insurance_plan_delete(plan=plan)


@admin.register(models.Therapy)
class TherapyAdmin(WithBodyAdmin):
    list_display = ["name", "abbreviation", "publication", "publish_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "abbreviation", "slug", "summary", "hero_image", "body", "body_preview"]}),
        ("Details", {"fields": ["formats", "order"]}),
        ("Publishing", {"fields": ["status", "publish_at", "preview_links"]}),
        _SEO,
        _INTERNAL,
    ]
    search_fields = ["name_en", "name_es", "abbreviation_en", "summary_en", "summary_es"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Article)
class ArticleAdmin(WithBodyAdmin):
    list_display = ["title", "author", "publication", "publish_at", "reading_time_minutes", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "hero_image", "body", "body_preview"]}),
        ("About", {"fields": ["author", "tags", "related_programs", "related_therapies"]}),
        ("Publishing", {"fields": ["status", "publish_at", "preview_links", "reading_time_minutes"]}),
        _SEO,
        _INTERNAL,
    ]
    list_filter = ["status", "tags", "related_programs"]
    search_fields = ["title_en", "title_es", "summary_en", "summary_es", "body_text_en", "body_text_es"]
    prepopulated_fields = {"slug": ["title"]}
    # Checkboxes rather than the two-box filter: a few dozen choices at most, and axe finds no fault in them.
    formfield_overrides = {
        **PublishableAdmin.formfield_overrides,
        ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }
    readonly_fields = ["preview_links", "body_preview", "reading_time_minutes", "created_at", "updated_at"]


@admin.register(models.FAQ)
class FAQAdmin(PublishableAdmin):
    list_display = ["question", "program", "order", "publication", "publish_at"]
    list_filter = ["status", "program"]
    search_fields = ["question_en", "question_es", "answer_en", "answer_es"]
    list_editable = ["order"]


@admin.register(models.Testimonial)
class TestimonialAdmin(PublishableAdmin):
    list_display = ["attribution", "program", "consent_on_file", "is_sample", "publication", "publish_at"]
    list_filter = ["status", "program", "consent_on_file", "is_sample"]
    search_fields = ["quote_en", "quote_es", "attribution_en"]


@admin.register(models.Tag)
class TagAdmin(SideBySideTranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name_en", "name_es"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.SiteProfile)
class SiteProfileAdmin(SideBySideTranslationAdmin):
    list_display = ["name", "phone_display", "city", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.site_profile_save(profile=obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not models.SiteProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """Redirects editors add by hand (an old website's URLs). Saved through the service, which refuses chains,
    loops and redirects away from the site not marked external, and announces each change."""

    list_display = ["old_path", "new_path", "permanent", "is_external", "created_by", "updated_at"]
    list_filter = ["permanent", "is_external"]
    search_fields = ["old_path", "new_path"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class ServiceCheckedForm(form):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                # The chain and loop rules need the other rows: checked here so the editor sees them on
                # the form; `save_model` runs the same service, which checks again inside its transaction.
                try:
                    services.redirect_check(redirect=self.instance)
                except ValidationError as exc:
                    self._update_errors(exc)

        return ServiceCheckedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.redirect_save(redirect=obj, created_by=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.redirect_delete(redirect=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for redirect in queryset:
            services.redirect_delete(redirect=redirect)


@admin.register(models.SlugHistory)
class SlugHistoryAdmin(admin.ModelAdmin):
    """Old slugs of renamed live items, kept by the content service: read-only here."""

    list_display = ["old_slug", "program", "therapy", "article", "created_at"]
    search_fields = ["old_slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MenuItemInline(TranslationTabularInline):
    """A menu's items as form rows: a label per language, one link (an item or a URL), a parent, an order."""

    model = models.MenuItem
    fk_name = "menu"
    fields = ["label", "program", "therapy", "article", "url", "parent", "order"]
    extra = 3

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            # A parent is a top-level item of the menu being edited (one level of children). Items added in
            # the same save get their children on the next one.
            menu_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            top_level = models.MenuItem.objects.filter(parent__isnull=True)
            kwargs["queryset"] = top_level.filter(menu_id=menu_id) if menu_id else top_level.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(models.Menu)
class MenuAdmin(SideBySideTranslationAdmin):
    """Menus (header, footer, …) and their items, edited as rows: no JSON. Saved through the services, which
    validate each item and announce the menu."""

    list_display = ["name", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MenuItemInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.menu_save(menu=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        items = formset.save(commit=False)
        services.menu_items_save(menu=form.instance, items=items, deleted=formset.deleted_objects)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.menu_delete(menu=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for menu in queryset:
            services.menu_delete(menu=menu)


class MediaAssetForm(forms.ModelForm):
    """An image's upload (on adding it: checked before anything is stored) and its texts and focal point."""

    upload = forms.FileField(
        required=False,
        label="Image file",
        help_text="JPEG, PNG, WebP, AVIF or HEIC (an iPhone's photos); not SVG. Metadata (camera, GPS) is removed "
        "from every copy served.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/avif,image/heic,image/heif,.heic,.heif"}
        ),
    )

    class Meta:
        model = models.MediaAsset
        fields = ["alt", "caption", "credit", "licence", "focal_x", "focal_y"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked: images.CheckedImage | None = None
        if self.instance.pk is None:
            self.fields["upload"].required = True
        else:
            del self.fields["upload"]
        if "alt_en" in self.fields:
            self.fields["alt_en"].required = True
        for name in ("focal_x", "focal_y"):
            if name in self.fields:
                self.fields[name].widget = forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"})

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return upload
        if upload.size > images.max_upload_bytes():
            raise ValidationError(f"The file is larger than {images.max_upload_bytes() // (1024 * 1024)} MiB.")
        try:
            self.checked = images.check_and_strip(data=upload.read(), filename=upload.name or "")
        except images.ImageRefused as exc:
            raise ValidationError(str(exc)) from exc
        return upload


@admin.register(models.MediaAsset)
class MediaAssetAdmin(TranslationAdmin):
    """The media library: upload with alt text, set the focal point by clicking the image."""

    form = MediaAssetForm
    list_display = ["thumbnail", "__str__", "width", "height", "renditions_made", "created_at"]
    search_fields = ["alt_en", "alt_es", "caption_en", "credit"]
    readonly_fields = ["focal_point_picker", "dimensions", "renditions_made", "created_at"]

    class Media:
        css = {"all": ["content/admin/media.css"]}
        js = ["content/admin/focal_point.js"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        texts = ["alt_en", "alt_es", "caption_en", "caption_es", "credit", "licence"]
        if obj is None:
            return [(None, {"fields": ["upload", *texts]})]
        return [
            (None, {"fields": texts}),
            ("Focal point", {"fields": ["focal_point_picker", "focal_x", "focal_y"]}),
            ("File", {"fields": ["dimensions", "renditions_made", "created_at"]}),
        ]

    @admin.display(description="Image")
    def thumbnail(self, obj: Any) -> SafeString:
        return format_html('<img src="{}" alt="" class="media-thumbnail" width="80">', _asset_url(obj, 320))

    @admin.display(description="Size")
    def dimensions(self, obj: Any) -> str:
        return f"{obj.width} by {obj.height} pixels"

    @admin.display(description="Renditions")
    def renditions_made(self, obj: Any) -> str:
        return f"{len(obj.renditions)} made" if obj.renditions else "Being made…"

    @admin.display(description="Click the image where its subject is")
    def focal_point_picker(self, obj: Any) -> SafeString:
        return format_html(
            '<div class="focal-point" data-focal-point><img src="{}" alt="{}" width="{}" height="{}">'
            '<span class="focal-point-marker" aria-hidden="true"></span></div>'
            '<p class="help">Crops (16:9, 4:3, square) keep this point in view. Or type it below: 0 is the '
            "left or top edge, 1 the right or bottom.</p>",
            _asset_url(obj, 960),
            obj.alt_en,
            min(obj.width, 960),
            round(obj.height * min(obj.width, 960) / obj.width),
        )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """Django's, plus the pages whose body shows one of the images as protected: deleting is refused until
        the image blocks are removed (MediaAsset.delete)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        users = models.body_image_users([obj.pk for obj in objs])
        protected = [
            *protected,
            *(f"{type(item)._meta.verbose_name.capitalize()}: {item} (an image block in its body)" for item in users),
        ]
        return deleted, counts, perms_needed, protected

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            services.media_asset_save(asset=obj)
            return
        created = services.media_asset_create(
            checked=form.checked,
            alt_en=obj.alt_en,
            alt_es=obj.alt_es or "",
            caption_en=obj.caption_en or "",
            caption_es=obj.caption_es or "",
            credit=obj.credit,
            licence=obj.licence,
        )
        obj.__dict__.update({key: value for key, value in created.__dict__.items() if key != "_state"})
        obj._state.adding = False


def _asset_url(asset: Any, width: int) -> str:
    return asset_thumbnail_url(asset, width)
