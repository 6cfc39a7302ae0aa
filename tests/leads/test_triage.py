import pytest

from leads.triage import triage_text


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("I want to end my life.", ("suicide",)),
        ("I've been thinking about suicide every day", ("suicide",)),
        ("My son says he wants to die", ("suicide",)),
        ("I don't want to live anymore.", ("suicide",)),
        ("She took all her pills an hour ago", ("overdose",)),
        ("he overdosed tonight and won't talk to me", ("overdose",)),
        ("I have been cutting myself again", ("self_harm",)),
        ("He said he would kill them all", ("harm_to_others",)),
        ("She is hearing voices telling her to jump", ("psychosis",)),
        ("I never felt suicidal before, but now I want to kill myself", ("suicide",)),
    ],
)
def test_crisis_phrases_make_a_lead_urgent(text, flags):
    triage = triage_text(text)

    assert triage.urgent
    assert triage.flags == flags


@pytest.mark.parametrize(
    "text",
    [
        "I am not suicidal, just very anxious.",
        "my sister overdosed last year and is doing well now",
        "No thoughts of self-harm. I feel depressed though.",
        "History of self-harm years ago, stable since.",
        "He denies any suicidal thoughts.",
        "Looking for an IOP for my daughter's anxiety.",
        "I used to cut myself in high school.",
        "",
    ],
)
def test_negations_past_events_and_ordinary_requests_are_not_urgent(text):
    assert triage_text(text).urgent is False


@pytest.mark.django_db
def test_a_crisis_message_makes_the_lead_urgent_and_records_the_category_only(api_client, programs):
    from leads.models import Lead
    from tests.leads.conftest import lead_body

    response = api_client.post("/api/v1/leads/", lead_body(message="I want to end my life."), format="json")

    lead = Lead.objects.get(reference=response.json()["reference"])
    assert lead.urgency == "urgent"
    assert lead.triage_flags == ["suicide"]
    assert "988" in response.json()["crisis_notice"]
