"""A partner with a publishable key for the embeddable referral form, and the origins of its pages."""

from dataclasses import dataclass

import pytest

from partners.models import ClientAPIKey, Partner
from partners.services import api_key_issue
from tests.leads.conftest import programs, referral_body  # noqa: F401 (programs: a fixture)

ORIGIN = "https://www.partner.example"
OTHER_ORIGIN = "https://other.example"
URL = "/api/v1/referrals/"


@dataclass
class Publishable:
    partner: Partner
    api_key: ClientAPIKey
    key: str

    def headers(self, origin: str | None = ORIGIN) -> dict[str, str]:
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {self.key}"}
        if origin is not None:
            headers["HTTP_ORIGIN"] = origin
        return headers


@pytest.fixture
def embed_partner(db) -> Partner:
    return Partner.objects.create(name="Desert Therapy Practice", slug="desert-therapy", kind="clinician")


@pytest.fixture
def publishable(embed_partner) -> Publishable:
    api_key, key = api_key_issue(
        name="Website form", partner=embed_partner, scopes=[], publishable=True,
        allowed_origins=[ORIGIN, "https://partner.example"],
    )  # fmt: skip
    return Publishable(embed_partner, api_key, key)


def send(api_client, publishable: Publishable, *, origin: str | None = ORIGIN, headers=None, **overrides):
    return api_client.post(
        URL, referral_body(**overrides), format="json", **publishable.headers(origin), **(headers or {})
    )
