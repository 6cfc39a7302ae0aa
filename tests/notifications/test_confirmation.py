"""The optional confirmation to the person: off by default, only with consent, generic words, once."""

import pytest
from django.core import mail

from notifications.backends import locmem
from notifications.confirmation import lead_confirm
from tests.notifications.conftest import make_lead

pytestmark = pytest.mark.django_db


def person_lead(**fields):
    from leads.crypto import seal

    data = {"first_name": "Wren", "email": "wren@example.org", "phone": "+16025559876", "message": "I feel suicidal"}
    return make_lead(sealed=seal(data), consent_contact=True, **fields)


def test_off_by_default():
    assert lead_confirm(lead_id=person_lead().id) is None
    assert mail.outbox == []


def test_email_confirmation_is_generic_and_sent_once(settings):
    settings.LEAD_CONFIRMATION_CHANNELS = ["email"]
    lead = person_lead()

    assert lead_confirm(lead_id=lead.id) == "email"
    assert lead_confirm(lead_id=lead.id) is None

    [message] = mail.outbox
    assert message.to == ["wren@example.org"]
    assert lead.reference in message.body
    assert "988" in message.body
    for value in ("Wren", "suicidal", "9876"):
        assert value not in message.body
        assert value not in message.subject


def test_sms_needs_the_sms_consent(settings):
    settings.LEAD_CONFIRMATION_CHANNELS = ["sms"]

    assert lead_confirm(lead_id=person_lead(consent_sms=False).id) is None
    assert lead_confirm(lead_id=person_lead(consent_sms=True, sms_disclosure_version="2026-01").id) == "sms"
    assert len(locmem.outbox) == 1
    assert "Wren" not in locmem.outbox[0].body


def test_partner_referrals_and_spam_get_no_confirmation(settings):
    from tests.notifications.conftest import make_partner

    settings.LEAD_CONFIRMATION_CHANNELS = ["email", "sms"]

    assert lead_confirm(lead_id=person_lead(kind="partner_referral", partner=make_partner()).id) is None
    assert lead_confirm(lead_id=person_lead(is_spam=True).id) is None
    assert mail.outbox == []
