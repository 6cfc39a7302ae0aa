"""The seed content: the center's own article and what it says about the programs and therapies.

Facts the article does not state (schedules, lengths, hours, the street address) are left empty and listed
in `editor_notes` for the editors; nothing is invented. Seeding creates what is missing and leaves what
exists alone, so running it again changes nothing and never overwrites an editor's work.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from content.crisis import CRISIS_RESOURCES, CRISIS_RESOURCES_ES
from content.events import site_change_record
from content.models import FAQ, Article, Menu, MenuItem, Program, SiteProfile, Tag, Therapy
from content.services import content_publish, menu_items_save, menu_save

SEED_DIR = Path(__file__).resolve().parent / "seed"
ARTICLE_FILE = SEED_DIR / "role-of-therapy-in-iop.txt"

CALL_TO_ACTION = {
    "text": "Are you feeling lost? Anxious? Depressed? Our team of mental health experts is here to help.",
    "label": "Call 602-926-7729",
    "href": "tel:+16029267729",
}

CALL_TO_ACTION_ES = {
    "text": "¿Se siente perdido? ¿Ansioso? ¿Deprimido? Nuestro equipo de expertos en salud mental está aquí para "
    "ayudarle.",
    "label": "Llame al 602-926-7729",
    "href": "tel:+16029267729",
}

# The article's outline: second-level sections and the sub-sections under them.
SECTIONS = {
    "IOP Expectations": [],
    "The Role of Therapy in Relapse Prevention within Intensive Outpatient Programs": [
        "Identifying Triggers",
        "Building Coping Skills",
        "Addressing Underlying Issues",
        "Developing Relapse Prevention Plans",
        "Strengthening Support Systems",
    ],
    "Beyond Treatment: The Lifelong Impact of Therapy in Intensive Outpatient Programs": [
        "A Foundation for Lasting Change",
        "Cultivating Self-Awareness",
        "Nurturing Healthy Relationships",
        "Managing Life Transitions",
        "Fostering Resilience",
    ],
    "Empowering Change: The Therapeutic Process in Intensive Outpatient Programs": [],
}
# Where the article ends and the page's navigation begins.
ARTICLE_END = "What Are You Looking For?"
_BULLET = re.compile(r"^\s*•\s*(?P<label>[^:]{1,80}):\s*(?P<text>.+)$")


@dataclass
class TherapySeed:
    slug: str
    name: str
    abbreviation: str = ""
    summary: str = ""
    formats: list[str] = field(default_factory=list)
    in_iop: bool = True


THERAPIES = [
    TherapySeed(
        "cbt",
        "Cognitive behavioral therapy",
        "CBT",
        "Practical techniques to manage stress, regulate emotions, and cope with cravings without resorting to "
        "substance use or harmful behaviors; a way to challenge destructive patterns.",
    ),
    TherapySeed(
        "dbt",
        "Dialectical behavior therapy",
        "DBT",
        "Practical techniques to manage stress, regulate emotions, and cope with cravings without resorting to "
        "substance use or harmful behaviors.",
    ),
    TherapySeed(
        "motivational-interviewing",
        "Motivational interviewing",
        "MI",
        "An evidence-based modality that helps people challenge destructive patterns, build resilience, and "
        "embrace healthier ways of living.",
    ),
    TherapySeed(
        "mindfulness",
        "Mindfulness",
        "",
        "Mindfulness practices give practical tools and insights for change.",
    ),
    TherapySeed(
        "family-therapy",
        "Family therapy",
        "",
        "Involving loved ones in the therapeutic process builds a network of support and accountability, "
        "addresses family dynamics and repairs broken connections.",
        ["family"],
    ),
    TherapySeed(
        "group-therapy",
        "Group therapy",
        "",
        "Sessions with peers build support and accountability and reduce feelings of isolation.",
        ["group"],
    ),
    TherapySeed("individual-therapy", "Individual therapy", "", "", ["individual"], in_iop=False),
]

FAQS = [
    (
        "What role does therapy play in an Intensive Outpatient Program?",
        "Therapy is the cornerstone of an IOP. It offers a safe space to explore challenges and evidence-based "
        "interventions tailored to your needs, within structured treatment and support.",
    ),
    (
        "Which therapies does Core Recovery use in its IOP?",
        "Evidence-based modalities such as cognitive-behavioral therapy (CBT), dialectical behavior therapy (DBT), "
        "motivational interviewing and mindfulness practices, with family and group therapy sessions.",
    ),
    (
        "How does therapy in an IOP help prevent relapse?",
        "It helps you identify triggers, build coping skills, address underlying issues such as trauma or "
        "co-occurring disorders, develop a personalized relapse prevention plan, and strengthen your support "
        "system.",
    ),
    (
        "Can my family be involved in treatment?",
        "Yes. Therapy in an IOP often includes family therapy or group therapy sessions, which strengthen your "
        "support system.",
    ),
    (
        "Is Core Recovery licensed?",
        "Core Recovery is a state of Arizona licensed outpatient mental health facility that uses evidence-based "
        "techniques for assessment, diagnosis, and treatment.",
    ),
    (
        "How do I get more information about the IOP?",
        "Call Core Recovery at 602-926-7729. Our team is here to answer your questions. If you are in crisis, "
        "call or text 988; in an emergency, call 911.",
    ),
]


def _paragraphs(text: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def article_blocks(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Split the article text into its title and body blocks (headings, paragraphs, a list, a CTA)."""
    text = text.split(ARTICLE_END)[0]
    title, *paragraphs = _paragraphs(text)
    subsections = {name for names in SECTIONS.values() for name in names}
    blocks: list[dict[str, Any]] = []
    for paragraph in paragraphs:
        lines = [line for line in paragraph.splitlines() if line.strip()]
        if paragraph in SECTIONS:
            blocks.append({"type": "heading", "level": 2, "text": paragraph})
        elif paragraph in subsections:
            blocks.append({"type": "heading", "level": 3, "text": paragraph})
        elif all(_BULLET.match(line) for line in lines):
            items = []
            for line in lines:
                match = _BULLET.match(line)
                assert match is not None
                items.append([{"text": f"{match['label']}:", "bold": True}, {"text": f" {match['text'].strip()}"}])
            blocks.append({"type": "list", "style": "bulleted", "items": items})
        else:
            blocks.append({"type": "paragraph", "children": [{"text": " ".join(line.strip() for line in lines)}]})
    blocks.append({"type": "call_to_action", **CALL_TO_ACTION})
    blocks.append({"type": "crisis_resources"})
    return title, blocks


# What referral directories ask and no source states: left empty (availability unknown, no insurance listed)
# until the center confirms it.
_REFERRAL_FACTS_TO_ADD = (
    "For referral directories, add: insurance accepted (Insurance plans), ages, languages, counties if limited, "
    "in person or telehealth, documents to bring, fees; intake keeps the availability current."
)


def _site_profile() -> None:
    profile, created = SiteProfile.objects.get_or_create(
        id=1,
        defaults={
            "name": "Core Recovery",
            "licence_statement": "Arizona-licensed outpatient mental health facility",
            "phone": "+16029267729",
            "phone_display": "602-926-7729",
            "city": "Phoenix",
            "region": "AZ",
            "time_zone": "America/Phoenix",
            "crisis_resources": CRISIS_RESOURCES,
            "calls_to_action": [CALL_TO_ACTION],
            "seo_description": "Core Recovery is an Arizona-licensed outpatient mental health facility in Phoenix.",
        },
    )
    # The crisis lines and the call to action in Spanish, on a new profile or one seeded before they existed;
    # never over an editor's Spanish. The rest of the Spanish is for the editors to write (it falls back to
    # English meanwhile): nothing clinical is machine-translated here.
    missing = {
        name: value
        for name, value in (("crisis_resources_es", CRISIS_RESOURCES_ES), ("calls_to_action_es", [CALL_TO_ACTION_ES]))
        if not getattr(profile, name)
    }
    if missing:
        for name, value in missing.items():
            setattr(profile, name, value)
        profile.save(update_fields=[*missing, "updated_at"])
    if created or missing:
        site_change_record(profile)  # announced like an editor's save: webhooks, and the edge's purge


def _create_published(model: Any, *, slug: str, **fields: Any) -> Any:
    item = model.objects.filter(slug=slug).first()
    if item is None:
        item = content_publish(item=model(slug=slug, **fields))
    return item


@transaction.atomic
def seed_content() -> dict[str, int]:
    """Create the seed content that is missing; returns how many rows of each kind were created."""
    before = {model.__name__: model.objects.count() for model in (Program, Therapy, Article, FAQ, Tag, Menu)}
    _site_profile()
    therapies = {
        seed.slug: _create_published(
            Therapy,
            slug=seed.slug,
            name=seed.name,
            abbreviation=seed.abbreviation,
            summary=seed.summary,
            formats=seed.formats,
            order=index,
            editor_notes="" if seed.summary else "Add a summary: the source article names this therapy only.",
        )
        for index, seed in enumerate(THERAPIES)
    }
    iop_is_new = not Program.objects.filter(slug="iop").exists()
    iop = _create_published(
        Program,
        slug="iop",
        name="Intensive Outpatient Program",
        short_name="IOP",
        level_of_care=Program.LevelOfCare.INTENSIVE_OUTPATIENT,
        summary=(
            "Structured treatment and support for recovery from mental health or substance use challenges, "
            "with therapy as its cornerstone: personalized treatment plans and evidence-based care."
        ),
        who_it_is_for="Individuals seeking recovery from substance abuse or mental health challenges.",
        conditions_addressed=["Mental health challenges", "Substance use", "Trauma", "Co-occurring disorders"],
        what_to_expect=(
            "A personalized treatment plan; evidence-based therapies such as CBT, DBT and mindfulness; a safe and "
            "supportive environment with experienced therapists and peers; goals and milestones to track progress."
        ),
        order=1,
        editor_notes="Confirm and add: days per week, hours per day, typical length. " + _REFERRAL_FACTS_TO_ADD,
    )
    if iop_is_new:
        iop.therapies.set([therapy for seed, therapy in zip(THERAPIES, therapies.values(), strict=True) if seed.in_iop])
    _create_published(
        Program,
        slug="php",
        name="Partial Hospitalization Program",
        short_name="PHP",
        level_of_care=Program.LevelOfCare.PARTIAL_HOSPITALIZATION,
        order=0,
        editor_notes="The source article names this program only: add its summary, schedule, length and therapies. "
        + _REFERRAL_FACTS_TO_ADD,
    )
    _seed_article(iop=iop, therapies=therapies)
    for order, (question, answer) in enumerate(FAQS, start=1):
        if not FAQ.objects.filter(question=question).exists():
            content_publish(item=FAQ(question=question, answer=answer, program=iop, order=order))
    _seed_header_menu()
    return {
        name: model.objects.count() - before[name]
        for name, model in (
            ("Program", Program),
            ("Therapy", Therapy),
            ("Article", Article),
            ("FAQ", FAQ),
            ("Tag", Tag),
            ("Menu", Menu),
        )
    }


def _in_languages(name: str, **texts: str) -> dict[str, Any]:
    return {f"{name}_{lang}": text for lang, text in texts.items()}


def _seed_header_menu() -> None:
    """The header menu: the seeded programs and therapies, each under its list page, in their list order.
    Their labels are left empty, so each shows the item's own name in each language and follows a rename."""
    if Menu.objects.filter(slug="header").exists():
        return  # the editors' menu, or an earlier seed: never overwritten
    # Translated columns (content.translation) are not attributes mypy's Django plugin knows of.
    menu = menu_save(menu=Menu(slug="header", **_in_languages("name", en="Header", es="Encabezado")))
    sections = [
        ("Programs", "Programas", "/programs/", "program", Program.objects.live()),
        ("Therapies", "Terapias", "/therapies/", "therapy", Therapy.objects.live()),
    ]
    parents = [
        MenuItem(url=url, order=order, **_in_languages("label", en=label_en, es=label_es))
        for order, (label_en, label_es, url, _, _) in enumerate(sections)
    ]
    menu_items_save(menu=menu, items=parents)
    children = [
        MenuItem(parent=parent, order=order, **{field: item})
        for parent, (_, _, _, field, items) in zip(parents, sections, strict=True)
        for order, item in enumerate(items)
    ]
    menu_items_save(menu=menu, items=children)


def _seed_article(*, iop: Program, therapies: dict[str, Therapy]) -> None:
    slug = "role-of-therapy-in-iop"
    if Article.objects.filter(slug=slug).exists():
        return
    title, blocks = article_blocks(ARTICLE_FILE.read_text(encoding="utf-8"))
    article = content_publish(
        item=Article(
            slug=slug,
            title=title,
            summary=(
                "How therapy supports recovery in an Intensive Outpatient Program: relapse prevention, lasting "
                "change, and the therapeutic process."
            ),
            body=blocks,
            editor_notes="Add the author's name.",
        )
    )
    tags = [
        Tag.objects.get_or_create(slug=tag_slug, defaults={"name": name})[0]
        for tag_slug, name in (("relapse-prevention", "Relapse prevention"), ("iop", "IOP"), ("therapy", "Therapy"))
    ]
    article.tags.set(tags)
    article.related_programs.set([iop])
    article.related_therapies.set(
        [
            therapies[slug]
            for slug in ("cbt", "dbt", "motivational-interviewing", "mindfulness", "family-therapy", "group-therapy")
        ]
    )
