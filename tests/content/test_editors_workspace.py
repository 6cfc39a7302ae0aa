"""The editors' workspace: structured fields edited as forms (never JSON), refused in words when wrong, the body
as blocks with errors beside them, Spanish started from the English, "Scheduled" in the list, View site."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from content import editing
from content.models import Article, Program, PublicationStatus, SiteProfile, Therapy
from content.seeding import seed_content
from partners.models import ClientAPIKey
from tests.api.test_security_headers_and_admin_login import blocked_by_the_page_policy
from tests.factories import ArticleFactory, ProgramFactory, TherapyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    return client


def _form_data(page_context) -> dict:
    """The data a browser would post for the admin form as rendered: every field's current value."""
    form = page_context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = field.widget
        if hasattr(widget, "columns") or hasattr(widget, "template_index"):
            continue  # structured widgets: the test posts their rows itself
        if isinstance(value, list):
            data[name] = [str(entry) for entry in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif hasattr(value, "strftime") and name == "publish_at":
            local = timezone.localtime(value)
            data["publish_at_0"], data["publish_at_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        else:
            data[name] = str(value)
    for inline in page_context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        data.update({management[key].html_name: str(management[key].value()) for key in management.fields})
    return data


def _rows(name: str, rows: list[dict]) -> dict:
    data = {f"{name}-count": str(len(rows))}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{name}-{index}-{key}"] = value
    return data


# Inline markup: the editor's three tags, and the stored spans, one for the other.

_span = st.fixed_dictionaries(
    {"text": st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=12)},
    optional={
        "bold": st.just(True),
        "italic": st.just(True),
        "href": st.sampled_from(["/programs/iop/", "https://988lifeline.org/?a=1&b=2", 'https://x.org/"q"']),
    },
)


@given(st.lists(_span, min_size=1, max_size=6))
def test_inline_markup_gives_back_the_spans_it_was_written_from(spans):
    expected = editing.merge_spans(spans)
    expected[0]["text"] = expected[0]["text"].lstrip()
    expected[-1]["text"] = expected[-1]["text"].rstrip()
    expected = [span for span in expected if span["text"]]

    assert editing.spans_from_markup(editing.markup_from_spans(spans)) == expected


def test_markup_other_than_bold_italic_and_links_is_kept_as_words_only():
    spans = editing.spans_from_markup('Call <b>now</b> <script>alert(1)</script><a href="/contact/">us</a>')

    assert spans == [
        {"text": "Call "},
        {"text": "now", "bold": True},
        {"text": " alert(1)"},
        {"text": "us", "href": "/contact/"},
    ]


# The body in blocks.


def _article_post(editor_client, article, blocks_en, extra=None):
    url = reverse("admin:content_article_change", args=[article.pk])
    data = _form_data(editor_client.get(url).context)
    data.update(_rows("body_en", blocks_en))
    data.update(_rows("body_es", []))
    data.update(extra or {})
    return editor_client.post(url, data)


WRITTEN = [
    {"type": "heading", "level": "2", "text": "What to expect"},
    {"type": "list", "style": "bulleted", "items": 'A <strong>free</strong> call\nA <a href="/programs/iop/">plan</a>'},
    {"type": "call_to_action", "text": "Ready to talk?", "label": "Call us", "href": "tel:+16029267729"},
]
STORED = [
    {"type": "heading", "level": 2, "text": "What to expect"},
    {
        "type": "list",
        "style": "bulleted",
        "items": [
            [{"text": "A "}, {"text": "free", "bold": True}, {"text": " call"}],
            [{"text": "A "}, {"text": "plan", "href": "/programs/iop/"}],
        ],
    },
    {"type": "call_to_action", "text": "Ready to talk?", "label": "Call us", "href": "tel:+16029267729"},
]


def test_an_article_written_in_blocks_is_stored_as_typed_blocks_and_served_by_the_api(editor_client, api_client):
    article = ArticleFactory(slug="written", body=[])

    response = _article_post(editor_client, article, WRITTEN)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Article.objects.get(pk=article.pk).body_en == STORED
    served = api_client.get("/api/v1/articles/written/").json()
    assert served["body"] == STORED
    assert "<li>A <strong>free</strong> call</li>" in served["body_html"]


def test_blocks_are_reordered_and_removed_by_their_position_and_remove_boxes(editor_client):
    article = ArticleFactory(body=[])
    rows = [dict(row) for row in WRITTEN]
    rows[0]["order"], rows[1]["order"], rows[2]["order"] = "3", "1", "2"
    rows[1]["remove"] = "on"

    _article_post(editor_client, article, rows)

    assert [block["type"] for block in Article.objects.get(pk=article.pk).body_en] == ["call_to_action", "heading"]


def test_an_invalid_block_is_refused_with_the_error_beside_it_in_words(editor_client):
    article = ArticleFactory(body=STORED)
    rows = [*WRITTEN, {"type": "paragraph", "text": "   "}]
    rows[2] = {**rows[2], "href": "javascript:alert(1)"}

    response = _article_post(editor_client, article, rows)

    assert response.status_code == 200
    page = response.content.decode()
    block = page.split('<li class="block block-call_to_action block-invalid"')[1].split("</li>")[0]
    assert "Call to action: the link must be a path on the site (/programs/), an https:// address" in block
    paragraph = page.split('<li class="block block-paragraph block-invalid"')[1].split("</li>")[0]
    assert "Paragraph: the text is empty: write it or remove the block." in paragraph
    # And summarised above the editor, by block number.
    assert "Block 4: Paragraph: the text is empty" in page.split('class="block-editor"')[0]
    assert Article.objects.get(pk=article.pk).body_en == STORED


def test_a_link_in_running_text_must_be_a_path_or_https(editor_client):
    article = ArticleFactory(body=[])

    response = _article_post(editor_client, article, [{"type": "paragraph", "text": '<a href="http://x.org">x</a>'}])

    assert "must be a path on the site (/programs/) or an https:// address" in response.content.decode()


def test_the_spanish_body_starts_from_a_copy_of_the_english_without_javascript(editor_client):
    article = ArticleFactory(body=[])

    _article_post(editor_client, article, WRITTEN, extra={"body_es-copy": "on"})

    saved = Article.objects.get(pk=article.pk)
    assert saved.body_es == saved.body_en == STORED


def test_the_body_editor_page_needs_nothing_the_admin_policy_blocks_and_shows_no_json(editor_client):
    article = ArticleFactory(body=STORED)

    page = editor_client.get(reverse("admin:content_article_change", args=[article.pk])).content.decode()

    assert blocked_by_the_page_policy(page) == []
    assert '"type": "heading"' not in page
    assert "&quot;type&quot;" not in page
    assert "content/admin/block_editor.js" in page


# Structured fields of the site profile and programs: rows, lines and checkboxes.


def _site_post(editor_client, **rows):
    url = reverse("admin:content_siteprofile_change", args=[1])
    data = _form_data(editor_client.get(url).context)
    profile = SiteProfile.objects.get()
    for name in ("hours", "crisis_resources_en", "crisis_resources_es", "calls_to_action_en", "calls_to_action_es"):
        data.update(_rows(name, rows.get(name, getattr(profile, name))))
    return editor_client.post(url, data)


def test_hours_are_edited_as_days_and_times_and_served(editor_client, api_client):
    seed_content()

    response = _site_post(
        editor_client, hours=[{"days": ["Mo", "Tu", "We", "Th", "Fr"], "opens": "08:00", "closes": "17:00"}]
    )

    assert response.status_code == 302
    assert SiteProfile.objects.get().hours == [
        {"days": ["Mo", "Tu", "We", "Th", "Fr"], "opens": "08:00", "closes": "17:00"}
    ]
    assert api_client.get("/api/v1/site/").json()["hours"][0]["opens"] == "08:00"


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ({"hours": [{"days": ["Mo"], "opens": "Mon-Fri 8-5", "closes": "17:00"}]}, "Row 1: the opening time must be"),
        ({"hours": [{"days": ["Mo"], "opens": "17:00", "closes": "08:00"}]}, "closing time must be after"),
        ({"hours": [{"opens": "08:00", "closes": "17:00"}]}, "Row 1: choose at least one day."),
        (
            {"crisis_resources_en": [{"name": "Call 988", "description": "", "phone": "", "sms": "", "url": ""}]},
            "Row 1: the description is empty.",
        ),
        (
            {"calls_to_action_en": [{"text": "Talk", "label": "Call", "href": "javascript:x"}]},
            "Row 1: the link must be a path on the site",
        ),
    ],
)
def test_a_wrong_row_is_refused_in_words_and_the_api_keeps_answering(editor_client, api_client, rows, words):
    seed_content()
    before = SiteProfile.objects.get()

    response = _site_post(editor_client, **rows)

    assert response.status_code == 200
    assert words in response.content.decode()
    after = SiteProfile.objects.get()
    assert (after.hours, after.crisis_resources_en) == (before.hours, before.crisis_resources_en)
    assert api_client.get("/api/v1/site/").status_code == 200


def test_removing_the_988_row_from_the_crisis_resources_is_refused(editor_client):
    seed_content()
    rows = [dict(row) for row in SiteProfile.objects.get().crisis_resources_en]
    rows[0]["remove"] = "on"

    response = _site_post(editor_client, crisis_resources_en=rows)

    assert "Keep the 988 Suicide &amp; Crisis Lifeline" in response.content.decode()


def test_program_lists_are_lines_and_choices_are_checkboxes(editor_client, api_client):
    program = ProgramFactory(slug="iop", body=[])
    url = reverse("admin:content_program_change", args=[program.pk])
    page = editor_client.get(url)
    data = _form_data(page.context)
    data.update(_rows("body_en", []) | _rows("body_es", []))
    data.update(
        conditions_addressed_en="Anxiety\n\n  Depression  \n",
        languages="en\nes",
        delivery_methods=["in_person", "telehealth"],
        required_documents_en="Photo ID",
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.conditions_addressed_en == ["Anxiety", "Depression"]
    assert program.delivery_methods == ["in_person", "telehealth"]
    assert 'type="checkbox" name="delivery_methods" value="telehealth"' in page.content.decode()
    assert api_client.get("/api/v1/programs/iop/").json()["conditions_addressed"] == ["Anxiety", "Depression"]


def test_a_string_where_a_list_belongs_is_refused_by_the_model():
    from django.core.exceptions import ValidationError

    program = ProgramFactory.build(conditions_addressed_en="Anxiety", languages="en")

    with pytest.raises(ValidationError) as refused:
        program.full_clean(validate_unique=False)

    assert set(refused.value.message_dict) >= {"conditions_addressed_en", "languages"}


def test_api_key_scopes_are_checkboxes(editor_client):
    page = editor_client.get(reverse("admin:partners_clientapikey_add")).content.decode()

    assert 'type="checkbox" name="scopes" value="content:read"' in page
    key = ClientAPIKey(name="site", scopes="content:read")
    with pytest.raises(Exception, match="Choose any of"):
        key.full_clean()


# The list, the preview, the order of fields, View site.


def test_the_list_says_scheduled_with_the_time_for_a_future_publication(editor_client):
    ArticleFactory(title="Later", status=PublicationStatus.PUBLISHED, publish_at=timezone.now() + timedelta(days=2))
    ArticleFactory(title="Now", status=PublicationStatus.PUBLISHED)

    page = editor_client.get(reverse("admin:content_article_changelist")).content.decode()

    later = page.split(">Later<")[1].split("</tr>")[0]
    local = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d")
    assert f"Scheduled for {local}" in later
    assert "Published" in page.split(">Now<")[1].split("</tr>")[0]


@pytest.mark.parametrize("model", [Article, Program, Therapy])
def test_fields_come_in_reading_order_and_every_editable_field_is_on_the_form(editor_client, model):
    item = {Article: ArticleFactory, Program: ProgramFactory, Therapy: TherapyFactory}[model]()
    page = editor_client.get(reverse(f"admin:content_{model._meta.model_name}_change", args=[item.pk]))
    form = page.context["adminform"].form
    html = page.content.decode()

    first = "title" if model is Article else "name"
    positions = [html.index(f'name="{name}"') for name in (f"{first}_en", "summary_en", "body_en-count", "status")]
    assert positions == sorted(positions)
    assert html.index('name="status"') < html.index('name="seo_title_en"')
    editable = {
        field.name
        for field in model._meta.get_fields()
        if getattr(field, "editable", False) and not field.auto_created and field.name not in {"id"}
    }
    missing = {name for name in editable if name not in form.fields and f"{name}_en" not in form.fields}
    translated_originals = {"body", "title", "name", "summary", "seo_title", "seo_description"}
    assert missing - translated_originals - {name.rsplit("_", 1)[0] for name in form.fields} == set()


def test_view_site_opens_the_public_website(editor_client, settings):
    settings.PUBLIC_SITE_URL = "https://www.corerecovery.example"
    seed_content()

    page = editor_client.get(reverse("admin:index")).content.decode()

    assert 'href="https://www.corerecovery.example/"' in page


def test_the_preview_uses_a_reading_stylesheet(editor_client):
    article = ArticleFactory(body=STORED)

    page = editor_client.get(reverse("admin:content_article_change", args=[article.pk])).content.decode()

    assert "content/admin/body_preview.css" in page
    assert '<div class="body-preview"><h2>What to expect</h2>' in page


# Rows saved before these rules.


def test_check_content_reports_rows_the_rules_refuse_and_fails(capsys):
    seed_content()
    SiteProfile.objects.update(hours="Mon-Fri 8-5", crisis_resources_en=["Call 988"])
    Program.objects.filter(slug="iop").update(conditions_addressed_en="Anxiety")

    with pytest.raises(CommandError, match=r"3 problem\(s\) in 2 row\(s\)"):
        call_command("check_content")

    out = capsys.readouterr().out
    assert "SiteProfile 1 (Core Recovery): hours: Use a list of opening hours, one row each." in out
    assert "crisis_resources_en: Row 1: not a row of name, description, phone, sms, url." in out
    assert "conditions_addressed_en: Use a list: one entry per line." in out


def test_check_content_passes_on_the_seed(capsys):
    seed_content()

    call_command("check_content")

    assert "every row is valid" in capsys.readouterr().out
