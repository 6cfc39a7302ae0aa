"""Two members of staff acting on one lead at the same moment, on PostgreSQL's row locks: one wins, the other
is told, and nothing is lost or doubled."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from leads import services
from leads.exceptions import LeadChangedMeanwhile
from leads.models import Lead, LeadEvent, LeadStatusChange
from tests.staff.conftest import send_lead, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; each result is its return value or the exception raised."""
    start = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = actions[index]()
        except Exception as exc:  # the loser's exception is the outcome under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def people(roles, django_user_model):
    return user_with_role(django_user_model, "Intake", username="ana"), user_with_role(
        django_user_model, "Intake", username="ben"
    )


def test_two_status_moves_from_the_same_page_one_wins_the_other_is_told(programs, people):
    lead = send_lead()
    ana, ben = people

    results = _at_once([
        lambda: services.lead_change_status(lead=lead, to_status="contacted", changed_by=ana,
                                            expected_status="received"),
        lambda: services.lead_change_status(lead=lead, to_status="unable_to_reach", changed_by=ben,
                                            expected_status="received"),
    ])  # fmt: skip

    losers = [result for result in results if isinstance(result, LeadChangedMeanwhile)]
    winners = [result for result in results if isinstance(result, Lead)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert Lead.objects.get(pk=lead.pk).status == winners[0].status
    assert LeadStatusChange.objects.filter(lead=lead).count() == 2  # received, then the winner's move only
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.STATUS_CHANGED).count() == 1


def test_two_people_pressing_im_on_it_at_once_one_gets_the_lead(programs, people):
    lead = send_lead()
    ana, ben = people

    results = _at_once([lambda: services.lead_take(lead=lead, by=ana), lambda: services.lead_take(lead=lead, by=ben)])

    lead.refresh_from_db()
    assert sum(isinstance(result, LeadChangedMeanwhile) for result in results) == 1
    assert lead.assigned_to in (ana, ben)
    assert lead.acknowledged_by == lead.assigned_to
