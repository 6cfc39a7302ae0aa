import pytest
from django.core import mail
from django.utils import timezone

from leads.models import Lead, LeadEvent
from notifications.backends import locmem
from notifications.models import Recipient, StaffGroup
from notifications.routing_defaults import routing_install
from partners.models import Partner


@pytest.fixture(autouse=True)
def _empty_outboxes():
    locmem.outbox.clear()
    mail.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def routing(db):
    routing_install()
    groups = {group.slug: group for group in StaffGroup.objects.all()}

    def person(name: str, slug: str, channels=("email", "sms"), **fields) -> Recipient:
        recipient = Recipient.objects.create(
            name=name, email=f"{name}@staff.example", phone=fields.pop("phone", "+16025550100"),
            channels=list(channels), **fields,
        )  # fmt: skip
        recipient.groups.add(groups[slug])
        return recipient

    return {
        "admissions": person("admissions", "admissions"),
        "on_call": person("oncall", "on-call", phone="+16025550111"),
        "director": person("director", "clinical-director", phone="+16025550122"),
    }


def make_lead(**fields) -> Lead:
    from leads.crypto import seal

    defaults = {
        "reference": f"L-{Lead.objects.count():06d}",
        "kind": "self",
        "program_interest": "iop",
        "sealed": seal({"first_name": "Wren", "phone": "+16025559876", "message": "I feel suicidal"}),
    }
    return Lead.objects.create(**{**defaults, **fields})


def make_event(lead: Lead, kind: str = "lead.created", **payload) -> LeadEvent:
    return LeadEvent.objects.create(lead=lead, kind=kind, payload={"reference": lead.reference, **payload})


def make_partner(name: str = "Partner A") -> Partner:
    return Partner.objects.create(name=name, slug=name.lower().replace(" ", "-"))


__all__ = ["make_event", "make_lead", "make_partner", "timezone"]
