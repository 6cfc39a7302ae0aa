import pytest
from django.core.management import call_command

from content.models import FAQ, Article, Program, SiteProfile, Tag, Therapy
from content.seeding import ARTICLE_FILE, article_blocks

pytestmark = pytest.mark.django_db

TABLES = (SiteProfile, Program, Therapy, Article, FAQ, Tag)


def _snapshot() -> dict[str, list]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in TABLES}


def test_seed_loads_the_centers_programs_therapies_article_and_faqs():
    call_command("seed_content")

    assert set(Program.objects.live().values_list("short_name", flat=True)) == {"IOP", "PHP"}
    assert set(Therapy.objects.live().values_list("slug", flat=True)) == {
        "cbt", "dbt", "motivational-interviewing", "mindfulness", "family-therapy", "group-therapy",
        "individual-therapy",
    }  # fmt: skip
    article = Article.objects.live().get()
    assert article.title == "The Role of Therapy in an Intensive Outpatient Program"
    assert FAQ.objects.live().count() >= 5
    assert SiteProfile.objects.get().phone_display == "602-926-7729"


def test_seed_leaves_facts_the_article_does_not_state_empty_for_editors():
    call_command("seed_content")

    php = Program.objects.get(slug="php")
    iop = Program.objects.get(slug="iop")
    assert php.summary == ""
    assert php.days_per_week is None
    assert php.typical_length == ""
    assert iop.days_per_week is None
    assert iop.hours_per_day is None
    assert "schedule" in php.editor_notes
    assert "days per week" in iop.editor_notes


def test_running_the_seed_again_changes_nothing():
    call_command("seed_content")
    before = _snapshot()

    call_command("seed_content")

    assert _snapshot() == before


def test_the_seed_never_overwrites_an_editors_change():
    call_command("seed_content")
    Program.objects.filter(slug="iop").update(summary="Edited by staff")

    call_command("seed_content")

    assert Program.objects.get(slug="iop").summary == "Edited by staff"


def test_the_article_is_split_into_its_sections_and_sub_sections():
    title, blocks = article_blocks(ARTICLE_FILE.read_text(encoding="utf-8"))
    headings = [(block["level"], block["text"]) for block in blocks if block["type"] == "heading"]

    assert title == "The Role of Therapy in an Intensive Outpatient Program"
    assert headings[:3] == [
        (2, "IOP Expectations"),
        (2, "The Role of Therapy in Relapse Prevention within Intensive Outpatient Programs"),
        (3, "Identifying Triggers"),
    ]
    assert sum(1 for level, _ in headings if level == 2) == 4
    assert sum(1 for level, _ in headings if level == 3) == 10
    bullets = next(block for block in blocks if block["type"] == "list")
    assert bullets["items"][0][0] == {"text": "Personalized Treatment Plans:", "bold": True}
    assert blocks[-1] == {"type": "crisis_resources"}
    # The page's navigation after the article is not part of it.
    assert not any("What Are You Looking For" in str(block) for block in blocks)
