"""Navigation menus: items resolved to public paths in the reader's language, following slug changes, leaving
out links to items that are not live; edited in the admin as form rows; the seed's header menu."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content import services
from content.models import ContentEvent, Menu, MenuItem, Program, Therapy
from content.seeding import seed_content
from tests.factories import ArticleFactory, ProgramFactory, TherapyFactory

pytestmark = pytest.mark.django_db


def _menu(slug: str = "footer", **names: str) -> Menu:
    in_languages = {"name_en": names.get("en", slug.title()), "name_es": names.get("es", "")}
    return services.menu_save(menu=Menu(slug=slug, **in_languages))


def _items(menu: Menu, *items: MenuItem) -> list[MenuItem]:
    services.menu_items_save(menu=menu, items=list(items))
    return list(items)


def _get(api_client, path: str) -> dict:
    response = api_client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_seed_adds_a_header_menu_of_the_seeded_programs_and_therapies(api_client):
    seed_content()

    menu = _get(api_client, "/api/v1/menus/header/")

    programs, therapies = menu["items"]
    assert (programs["label"], programs["path"]) == ("Programs", "/programs/")
    assert [(child["label"], child["path"]) for child in programs["children"]] == [
        (program.name, f"/programs/{program.slug}/") for program in Program.objects.live()
    ]
    assert (therapies["label"], therapies["path"]) == ("Therapies", "/therapies/")
    assert [child["path"] for child in therapies["children"]] == [
        f"/therapies/{therapy.slug}/" for therapy in Therapy.objects.live()
    ]
    assert len(therapies["children"]) == 7


def test_seeding_again_leaves_the_editors_header_menu_alone():
    seed_content()
    MenuItem.objects.filter(program__slug="php").delete()

    seed_content()

    assert Menu.objects.count() == 1
    assert not MenuItem.objects.filter(program__slug="php").exists()


def test_menu_links_follow_a_slug_change_and_leave_out_items_not_live(api_client, django_capture_on_commit_callbacks):
    article = ArticleFactory(slug="first", title="An article")
    program = ProgramFactory(slug="iop", name="IOP")
    menu = _menu()
    (programs,) = _items(menu, MenuItem(program=program, order=0))
    _items(
        menu,
        MenuItem(article=article, order=1),
        MenuItem(url="https://partners.example.org/", label_en="Partners", order=2),
        MenuItem(parent=programs, therapy=TherapyFactory(slug="cbt", name="CBT"), order=0),
    )
    assert [item["path"] for item in _get(api_client, "/api/v1/menus/footer/")["items"]] == [
        "/programs/iop/",
        "/articles/first/",
        "https://partners.example.org/",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        article.slug = "renamed"
        services.content_save(item=article)
        services.content_unpublish(item=program)  # its children go with it
    items = _get(api_client, "/api/v1/menus/footer/")["items"]

    assert items == [
        {"label": "An article", "path": "/articles/renamed/", "external": False, "children": []},
        {"label": "Partners", "path": "https://partners.example.org/", "external": True, "children": []},
    ]


def test_menus_answer_in_spanish_with_english_where_there_is_no_spanish(api_client):
    menu = _menu("header", en="Header", es="Encabezado")
    program = ProgramFactory(slug="iop", name="Intensive Outpatient Program", name_es="Programa Intensivo")
    (parent,) = _items(menu, MenuItem(url="/programs/", label_en="Programs", label_es="Programas"))
    _items(
        menu,
        MenuItem(parent=parent, program=program, order=0),
        MenuItem(parent=parent, url="/contact/", label_en="Contact", order=1),
    )

    response = api_client.get("/api/v1/menus/header/?lang=es")

    assert response["Content-Language"] == "es"
    body = response.json()
    assert body["name"] == "Encabezado"
    assert body["items"][0]["label"] == "Programas"
    assert [child["label"] for child in body["items"][0]["children"]] == ["Programa Intensivo", "Contact"]


def test_the_menu_list_and_an_unknown_menu(api_client):
    _menu("header")
    _menu("footer")

    listed = _get(api_client, "/api/v1/menus/")
    missing = api_client.get("/api/v1/menus/sidebar/")

    assert [menu["slug"] for menu in listed["results"]] == ["footer", "header"]
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_menus_are_cached_with_etag_and_cost_constant_queries(api_client, django_capture_on_commit_callbacks):
    menu = _menu("header")
    _items(menu, MenuItem(program=ProgramFactory(), order=0))
    with CaptureQueriesContext(connection) as few:
        first = api_client.get("/api/v1/menus/header/")
    assert api_client.get("/api/v1/menus/header/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with CaptureQueriesContext(connection) as warm:
        api_client.get("/api/v1/menus/header/")
    assert len(warm) == 0

    with django_capture_on_commit_callbacks(execute=True):
        (parent,) = _items(menu, MenuItem(url="/therapies/", label_en="Therapies", order=1))
        _items(menu, *(MenuItem(parent=parent, therapy=TherapyFactory(), order=n) for n in range(5)))
        _items(menu, *(MenuItem(article=ArticleFactory(), order=2 + n) for n in range(3)))
    with CaptureQueriesContext(connection) as many:
        second = api_client.get("/api/v1/menus/header/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert len(second.json()["items"]) == 5
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as listed:
        api_client.get("/api/v1/menus/")
    assert len(listed) <= len(few) + 1  # the page's count


@pytest.mark.parametrize(
    "fields",
    [
        {},  # no link
        {"url": "/a/", "label_en": "A", "program": "PROGRAM"},  # two links
        {"url": "https://elsewhere.example.org/"},  # a URL needs a label
        {"url": "elsewhere", "label_en": "Elsewhere"},  # neither a site path nor a URL
        {"url": "/b/", "label_en": "B", "parent": "CHILD"},  # a second level
    ],
)
def test_menu_items_that_break_the_rules_are_refused(fields):
    menu = _menu()
    program = ProgramFactory()
    (parent,) = _items(menu, MenuItem(url="/a/", label_en="A"))
    (child,) = _items(menu, MenuItem(parent=parent, url="/a/1/", label_en="A1"))
    values = {"PROGRAM": program, "CHILD": child}
    before = MenuItem.objects.count()

    with pytest.raises(ValidationError):
        _items(menu, MenuItem(**{name: values.get(value, value) for name, value in fields.items()}))

    assert MenuItem.objects.count() == before


def test_the_database_refuses_an_item_without_a_link():
    menu = _menu()

    with pytest.raises(IntegrityError), transaction.atomic():
        MenuItem.objects.create(menu=menu, label="Nowhere")


def test_a_menu_change_is_announced_for_every_page():
    menu = _menu("header")
    ContentEvent.objects.all().delete()

    _items(menu, MenuItem(url="/programs/", label_en="Programs"))

    event = ContentEvent.objects.get()
    assert (event.kind, event.item_type, event.slug, event.paths) == (
        ContentEvent.Kind.UPDATED,
        "menu",
        "header",
        ["/"],
    )


def test_unpublishing_an_item_a_menu_links_to_announces_every_page():
    program, other = ProgramFactory(slug="iop"), ProgramFactory(slug="php")
    _items(_menu("header"), MenuItem(program=program))

    services.content_unpublish(item=program)
    services.content_unpublish(item=other)

    announced = dict(ContentEvent.objects.filter(kind=ContentEvent.Kind.UNPUBLISHED).values_list("slug", "paths"))
    assert "/" in announced["iop"]
    assert "/" not in announced["php"]


def test_editors_build_a_menu_in_the_admin_with_form_rows(client, django_user_model, api_client):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(editor)
    program = ProgramFactory(slug="iop", name="IOP")
    form = {
        "name_en": "Footer",
        "name_es": "Pie de página",
        "slug": "footer",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-program": str(program.pk),
        "items-0-order": "0",
        "items-1-url": "/contact/",
        "items-1-label_en": "Contact us",
        "items-1-label_es": "Contáctenos",
        "items-1-order": "1",
    }

    response = client.post(reverse("admin:content_menu_add"), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    menu = _get(api_client, "/api/v1/menus/footer/?lang=es")
    assert [(item["label"], item["path"]) for item in menu["items"]] == [
        ("IOP", "/programs/iop/"),
        ("Contáctenos", "/contact/"),
    ]
