"""The staff's lead list (security review, finding 5): filters that describe the person only for staff with the
personal-data permission, and no lookup written by hand into the URL that no filter offers them."""

import pytest
from django.urls import reverse

from tests.leads.conftest import staff_client

pytestmark = pytest.mark.django_db

PERSON_FILTERS = ("out of state", "state", "age range", "preferred contact", "utm source", "utm campaign")


def test_filters_about_the_person_are_offered_only_with_the_personal_data_permission(client, django_user_model):
    changelist = reverse("admin:leads_lead_changelist")

    without = staff_client(client, django_user_model, personal=False).get(changelist).content.decode()
    with_permission = staff_client(client, django_user_model, personal=True, username="privy").get(changelist)

    for title in PERSON_FILTERS:
        assert f'data-filter-title="{title}"' not in without
        assert f'data-filter-title="{title}"' in with_permission.content.decode()
    assert 'data-filter-title="status"' in without


# Lookups Django's admin would take from a hand-written URL, although no filter offers them.
PERSONAL_LOOKUPS = [
    "state=CA", "state__exact=CA", "out_of_state__exact=1", "age_range=26_35", "age_range__exact=26_35",
    "preferred_contact__exact=sms", "utm_source=google",
]  # fmt: skip
NEVER_LOOKUPS = [
    "landing_page__icontains=x", "referrer_url__icontains=example", "triage_flags__icontains=suicide",
    "sealed__startswith=g", "phone_hash=0", "email_hash__isnull=0", "utm_term__icontains=help",
    "state__icontains=a", "partner__referrals__state=CA", "repeat_of__age_range=26_35", "program_interest=iop",
]  # fmt: skip


@pytest.mark.parametrize("query", PERSONAL_LOOKUPS + NEVER_LOOKUPS)
def test_staff_without_the_permission_cannot_filter_on_the_person_by_url(client, django_user_model, query):
    staff = staff_client(client, django_user_model, personal=False)

    response = staff.get(f"{reverse('admin:leads_lead_changelist')}?{query}")

    assert response.status_code == 400  # DisallowedModelAdminLookup


@pytest.mark.parametrize(("query", "status"), [(q, 200) for q in PERSONAL_LOOKUPS] + [(q, 400) for q in NEVER_LOOKUPS])
def test_staff_with_the_permission_filter_on_the_person_but_never_search_by_url(
    client, django_user_model, query, status
):
    privy = staff_client(client, django_user_model, personal=True)

    response = privy.get(f"{reverse('admin:leads_lead_changelist')}?{query}")

    assert response.status_code == status


def test_the_work_queue_filters_stay_open_to_allstaff_client(client, django_user_model):
    staff = staff_client(client, django_user_model, personal=False)
    query = (
        "status__exact=received&urgency__exact=urgent&kind__exact=self&partner__id__exact=1&partner__isnull=False"
        "&is_spam__exact=0&received_at__gte=2026-01-01+00:00:00-07:00&received_at__lt=2027-01-01+00:00:00-07:00"
        "&q=L-7F3K9Q"
    )

    assert staff.get(f"{reverse('admin:leads_lead_changelist')}?{query}").status_code == 200
