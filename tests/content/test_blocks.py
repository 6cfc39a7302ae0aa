import pytest
from django.core.exceptions import ValidationError

from content.blocks import InvalidBody, plain_text, render_html, validate_body
from tests.factories import ArticleFactory


def test_every_block_type_renders_to_html():
    blocks = [
        {"type": "heading", "level": 2, "text": "Coping skills"},
        {
            "type": "paragraph",
            "children": [
                {"text": "Plain, "},
                {"text": "bold", "bold": True},
                {"text": " and "},
                {"text": "italic", "italic": True},
                {"text": " with a "},
                {"text": "link", "href": "/therapies/cbt/"},
            ],
        },
        {"type": "list", "style": "numbered", "items": [[{"text": "one"}], [{"text": "two"}]]},
        {"type": "quote", "children": [{"text": "A quote"}], "attribution": "Anonymous"},
        {"type": "call_to_action", "text": "Talk to us", "label": "Call", "href": "tel:+16029267729"},
        {"type": "crisis_resources"},
    ]
    validate_body(blocks)

    html = render_html(blocks)

    assert "<h2>Coping skills</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert '<a href="/therapies/cbt/" rel="noopener">link</a>' in html
    assert "<ol><li>one</li><li>two</li></ol>" in html
    assert "<blockquote>" in html
    assert "<footer>Anonymous</footer>" in html
    assert 'href="tel:+16029267729"' in html
    assert "988" in html
    assert "911" in html


def test_text_that_looks_like_markup_is_escaped_not_rendered():
    blocks = [{"type": "paragraph", "children": [{"text": "<script>alert(1)</script><b onclick=x>hi</b>"}]}]

    html = render_html(blocks)

    assert "<script>" not in html
    assert "<b " not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("blocks", "where"),
    [
        ([{"type": "marquee", "text": "x"}], "unknown block type 'marquee'"),
        ([{"type": "heading", "level": 1, "text": "H1 is the page title"}], "invalid heading block"),
        ([{"type": "paragraph", "children": [{"text": "x", "href": "javascript:alert(1)"}]}], "0"),
        ([{"type": "paragraph", "children": [{"text": "x", "onclick": "y"}]}], "0"),
        ({"type": "paragraph"}, "body"),
    ],
)
def test_invalid_bodies_are_refused_with_where_and_why(blocks, where):
    with pytest.raises(InvalidBody) as raised:
        validate_body(blocks)

    assert any(where in message for message in raised.value.messages)


@pytest.mark.django_db
def test_saving_an_item_with_an_invalid_body_is_refused_and_stores_nothing():
    with pytest.raises(ValidationError) as raised:
        ArticleFactory(body=[{"type": "paragraph", "children": [{"text": "x", "href": "javascript:alert(1)"}]}])

    assert "body" in raised.value.message_dict
    from content.models import Article

    assert not Article.objects.exists()


@pytest.mark.django_db
def test_saving_derives_html_plain_text_and_reading_time():
    words = " ".join(["word"] * 450)
    article = ArticleFactory(summary="", body=[{"type": "paragraph", "children": [{"text": words}]}])

    assert article.body_html.startswith("<p>word word")
    assert article.body_text == words
    assert article.reading_time_minutes == 3  # 450 words at 200 a minute


def test_plain_text_collects_every_text_of_the_body():
    blocks = [
        {"type": "heading", "level": 3, "text": "Title"},
        {"type": "list", "style": "bulleted", "items": [[{"text": "a"}], [{"text": "b"}]]},
    ]

    assert plain_text(blocks).split() == ["Title", "a", "b"]
